complete --keep-order --exclusive --command ark --arguments "(ARK_COMPLETE=fish ark -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
