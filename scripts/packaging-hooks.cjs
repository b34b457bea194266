// electron-builder beforePack hook: refuse to package a target whose llama.cpp binaries or bundled Ollama are missing.
//
// Without it a Mac or Windows build made from a lock file that only knows Linux's @node-llama-cpp packages, or before
// `npm run fetch:ollama`, packages "successfully" with a dead local engine. Release docs: README, "The desktop app".
/* global require, module, process */
/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads hooks with require() */
'use strict';
const { existsSync, readdirSync } = require('node:fs');
const path = require('node:path');

/** electron-builder's Arch enum, by number (builder-util). */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/**
 * The @node-llama-cpp packages a target ships (electron-builder.yml keeps exactly these): the CPU build, plus the one
 * GPU runtime of the installer where there is one (Vulkan on x64 Linux and Windows; Metal is in the macOS arm64 build).
 */
function enginePackages(platform, arch) {
  if (platform === 'linux') return arch === 'x64' ? ['linux-x64', 'linux-x64-vulkan'] : [`linux-${arch}`];
  if (platform === 'darwin') return [arch === 'arm64' ? 'mac-arm64-metal' : `mac-${arch}`];
  if (platform === 'win32') return arch === 'x64' ? ['win-x64', 'win-x64-vulkan'] : [`win-${arch}`];
  return [];
}

/** Where the bundled Ollama executable must be before packaging (scripts/fetch-ollama.ts puts it there). */
function ollamaCandidates(root, platform, arch) {
  const dir = path.join(root, 'vendor', 'ollama', `${platform}-${arch}`);
  if (platform === 'win32') return [path.join(dir, 'ollama.exe')];
  return [path.join(dir, 'bin', 'ollama'), path.join(dir, 'ollama')];
}

/** Has at least one prebuilt binary (a .node addon) under a package's folder. */
function hasBinary(dir) {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? hasBinary(p) : e.name.endsWith('.node')) return true;
  }
  return false;
}

/** Every reason the target cannot be packaged, in words that say what to run (empty = fine). */
function checkTarget(root, platform, arch) {
  const problems = [];
  for (const pkg of enginePackages(platform, arch)) {
    if (!hasBinary(path.join(root, 'node_modules', '@node-llama-cpp', pkg))) {
      problems.push(
        `@node-llama-cpp/${pkg} is not installed, so the ${platform}-${arch} app would have no embedded llama.cpp. ` +
          'Install it on this build machine (npm install --no-save --force @node-llama-cpp/' +
          `${pkg}@<node-llama-cpp's version>), or use a package-lock.json generated where the full registry is reachable (README, "The desktop app").`,
      );
    }
  }
  if (!ollamaCandidates(root, platform, arch).some((f) => existsSync(f))) {
    problems.push(
      `The bundled Ollama for ${platform}-${arch} is missing (vendor/ollama/${platform}-${arch}/). Run: npm run fetch:ollama -- --target ${platform}-${arch}`,
    );
  }
  return problems;
}

/** The hook electron-builder calls before packing each platform + arch. */
async function beforePack(context) {
  const platform = context.electronPlatformName;
  const arch = typeof context.arch === 'number' ? ARCH_NAMES[context.arch] : String(context.arch);
  const root = context.packager?.info?.projectDir ?? process.cwd();
  const problems = checkTarget(root, platform, arch);
  if (problems.length > 0) throw new Error(`Cannot package ${platform}-${arch}:\n  - ${problems.join('\n  - ')}`);
}

module.exports = beforePack;
module.exports.default = beforePack;
module.exports.beforePack = beforePack;
module.exports.checkTarget = checkTarget;
module.exports.enginePackages = enginePackages;
