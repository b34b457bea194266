// `hybrid-ai` dispatcher: route | ask | serve | models | tune | taskwarrior | backup | restore | migrate.
import { pathToFileURL } from 'node:url';

const help = `Usage: hybrid-ai <command>

Commands:
  serve [options]          start the headless server (see: hybrid-ai serve --help)
  ask "prompt"             answer one prompt through the router, streaming
  route --tier N           read JSONL {"id","prompt"} on stdin, write routing decisions
  models list|pull|rm      local model files: list, download (progress bar, resumable), delete
  tune [--yes]             propose routing thresholds from your feedback; applies them only if you accept
  taskwarrior sync|report  every request as a Taskwarrior task (cost, route, savings); the cost report over them
  backup [--dir D --keep N] copy the SQLite ledger while the server runs (consistent, checked)
  restore FILE             replace the ledger with a backup (server stopped; the old one is kept)
  migrate                  bring the ledger to this version's schema and exit (before a rollout)
`;

export async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'route':
        return await (await import('./route.js')).runRoute(rest);
      case 'ask':
        return await (await import('./ask.js')).runAsk(rest);
      case 'models':
        return await (await import('./models.js')).runModels(rest);
      case 'tune':
        return await (await import('./tune.js')).runTune(rest);
      case 'taskwarrior':
        return await (await import('./taskwarrior.js')).runTaskwarrior(rest);
      case 'backup':
        return await (await import('./backup.js')).runBackup(rest);
      case 'restore':
        return (await import('./backup.js')).runRestore(rest);
      case 'migrate':
        return await (await import('./backup.js')).runMigrate(rest);
      case 'serve': {
        process.argv = [process.argv[0]!, 'serve', ...rest];
        await (await import('../server/main.js')).main();
        return -1; // keeps running
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(help);
        return cmd === undefined ? 2 : 0;
      default:
        process.stderr.write(
          `hybrid-ai: unknown command "${cmd}". Valid: serve, ask, route, models, tune, taskwarrior, backup, restore, migrate.\n\n${help}`,
        );
        return 2;
    }
  } catch (e) {
    process.stderr.write(`hybrid-ai ${cmd}: ${(e as Error).message}\n`);
    return 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void cli(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
}
