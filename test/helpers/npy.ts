/** Minimal reader for numpy .npy files (format 1.x/2.x, little-endian float32/float64, C order). */
import { readFileSync } from 'node:fs';

export interface NpyArray {
  shape: number[];
  data: Float64Array;
}

export function readNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6] ?? 1;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${path}: unreadable header ${header}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLen;
  const data = new Float64Array(count);
  if (descr === '<f8') for (let i = 0; i < count; i++) data[i] = buf.readDoubleLE(offset + 8 * i);
  else if (descr === '<f4') for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(offset + 4 * i);
  else throw new Error(`${path}: dtype ${descr} not supported`);
  return { shape, data };
}
