/*
 * cmd_models — `cairn models ...`: the model registry from the command line, directly on
 * the store (no server needed) or through a server's REST API (--tracking-uri). Entry
 * point for main.c's command table.
 */
#ifndef CAIRN_CLI_CMD_MODELS_H
#define CAIRN_CLI_CMD_MODELS_H

int cmd_models(int argc, char **argv);

#endif
