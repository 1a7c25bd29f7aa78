// The `bulwark` command line: one subcommand per file in this folder.
import { Command, CommanderError } from 'commander';
import { registerServerCommand } from './server.js';
import { registerKubeconfigCommand } from './kubeconfig.js';
import { registerSecretsEncryptCommand } from './secrets-encrypt.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('bulwark').description('Bulwark: a Kubernetes-compatible control plane, secure by default.').showHelpAfterError();
  registerServerCommand(program);
  registerKubeconfigCommand(program);
  registerSecretsEncryptCommand(program);
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    throw err;
  }
}
