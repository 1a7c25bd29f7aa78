// Defaults shared by the CLI subcommands, so that `bulwark server` and the tools that read its
// data directory agree without each restating them.
export const DEFAULT_DATA_DIR = '.bulwark';
