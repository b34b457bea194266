// Generates the app and tray icons in resources/ (PNG, drawn in code: no downloads, reproducible byte for byte).
//
// The glyph: a ring split by a vertical bar, the two halves standing for "local" and "cloud".
// Tray: tray-light.png (light glyph, for dark panels), tray-dark.png (dark glyph, for light panels), and
// trayTemplate.png (black + alpha: macOS tints template images for its menu bar), each with an @2x variant.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Encode RGBA pixels (row-major, 4 bytes each) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Coverage (0..1) of the glyph at pixel (x, y) of a size×size icon, 4×4 supersampled for smooth edges. */
function glyph(x: number, y: number, size: number): number {
  let hit = 0;
  const c = size / 2;
  const outer = size * 0.44;
  const inner = size * 0.3;
  const bar = size * 0.07;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const px = x + (sx + 0.5) / 4 - c;
      const py = y + (sy + 0.5) / 4 - c;
      const r = Math.hypot(px, py);
      const ring = r <= outer && r >= inner;
      const split = Math.abs(px) <= bar && r <= outer;
      const dot = Math.hypot(px - inner * 0.45, py + inner * 0.35) <= size * 0.07; // the "cloud" side's mark
      if (ring || split || dot) hit++;
    }
  }
  return hit / 16;
}

/** One icon: the glyph in `rgb` on a transparent (or `bg`) square. */
export function drawIcon(size: number, rgb: [number, number, number], bg?: [number, number, number]): Buffer {
  const px = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = glyph(x, y, size);
      const i = (y * size + x) * 4;
      if (bg) {
        px[i] = Math.round(bg[0] + (rgb[0] - bg[0]) * a);
        px[i + 1] = Math.round(bg[1] + (rgb[1] - bg[1]) * a);
        px[i + 2] = Math.round(bg[2] + (rgb[2] - bg[2]) * a);
        px[i + 3] = 255;
      } else {
        px[i] = rgb[0];
        px[i + 1] = rgb[1];
        px[i + 2] = rgb[2];
        px[i + 3] = Math.round(255 * a);
      }
    }
  }
  return encodePng(size, size, px);
}

/** Every icon file, relative to the repo root. */
export function iconFiles(): Record<string, Buffer> {
  const light: [number, number, number] = [240, 242, 245];
  const dark: [number, number, number] = [32, 34, 40];
  // Tray icons are 16 px logical (22 px on GNOME, scaled); @2x for HiDPI.
  return {
    'resources/tray/tray-light.png': drawIcon(16, light),
    'resources/tray/tray-light@2x.png': drawIcon(32, light),
    'resources/tray/tray-dark.png': drawIcon(16, dark),
    'resources/tray/tray-dark@2x.png': drawIcon(32, dark),
    'resources/tray/trayTemplate.png': drawIcon(16, [0, 0, 0]),
    'resources/tray/trayTemplate@2x.png': drawIcon(32, [0, 0, 0]),
    // App icon: electron-builder takes resources/icon.png (512 px makes every platform's sizes).
    'resources/icon.png': drawIcon(512, light, [38, 70, 120]),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [rel, buf] of Object.entries(iconFiles())) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, buf);
    process.stdout.write(`${rel} (${buf.length} bytes)\n`);
  }
}
