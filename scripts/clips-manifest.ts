/** Reads ../shared/clips/manifest.csv (internal test material beside the repo; absent on a fresh clone). */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
/** Where extracted landmark sequences live; LANDMARK_CACHE_DIR points elsewhere (e.g. to compare pose settings). */
export const LANDMARK_CACHE_DIR = process.env.LANDMARK_CACHE_DIR ? resolve(REPO_ROOT, process.env.LANDMARK_CACHE_DIR) : join(REPO_ROOT, '.cache', 'landmarks');

export interface ClipEntry {
  file: string;
  label: string;
  reps: number | null;
  repsBasis: string;
  form: string;
  durationS: number;
  width: number;
  height: number;
  fps: number;
  sourceRepo: string;
  notes: string;
}

/** Minimal RFC 4180 CSV parsing (quoted fields with commas and doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((v) => v !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function readManifest(sharedDir: string = SHARED_DIR): ClipEntry[] | null {
  const path = join(sharedDir, 'clips', 'manifest.csv');
  if (!existsSync(path)) return null;
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  if (!header) return [];
  const col = (row: string[], name: string): string => row[header.indexOf(name)] ?? '';
  return rows.map((r) => ({
    file: col(r, 'file'),
    label: col(r, 'label'),
    reps: col(r, 'reps') === '' ? null : Number(col(r, 'reps')),
    repsBasis: col(r, 'reps_basis'),
    form: col(r, 'form'),
    durationS: Number(col(r, 'duration_s')),
    width: Number(col(r, 'width')),
    height: Number(col(r, 'height')),
    fps: Number(col(r, 'fps')),
    sourceRepo: col(r, 'source_repo'),
    notes: col(r, 'notes'),
  }));
}

/** Cache file of a clip's landmark sequence: `.cache/landmarks/<file with / as __>.json`. */
export function landmarkCachePath(clipFile: string): string {
  return join(LANDMARK_CACHE_DIR, `${clipFile.replaceAll('/', '__')}.json`);
}
