@rem `npm run serve` on Windows: package.json runs "exec node scripts/serve.mjs", where the POSIX shell's exec makes
@rem node npm's own child (so npm's SIGINT and SIGTERM reach it; scripts/serve.mjs says why). cmd.exe has no exec and
@rem finds this file in the package folder instead: it runs the rest of the line as it is.
@%*
