/**
 * Reading migrations and writing files, for the CLI (and the language server's reads of earlier
 * migrations). STYLE.md §22: files are read as bytes, and written so that nothing is lost.
 *
 * Reading: only regular files are opened (a FIFO or a device named `x.sql` would hang or never
 * end), without blocking, and the bytes are decoded here: UTF-8, with each byte that is not part
 * of a UTF-8 character kept as the Latin-1 character of the same value, and the first such byte
 * reported. A byte-order mark stays in the text (one UTF-16 unit at offset 0, as editors that
 * keep it count it).
 *
 * Writing: to a temporary file in the target's folder, then renamed over the target, so that a
 * reader never sees half a file; refused when the target changed since it was read (content
 * hash), when it is a symbolic link (dangling or not) or not a regular file, and when it is
 * outside the folder the caller allows. A fix is applied to the bytes that were read: every byte
 * outside the fix's own edits stays as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file that cannot be read, or a write that was refused: the message says why, for a person. */
export class FileProblem extends Error {}

/** The words for a file-system error code (the rest of Node's message is the path again). */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or folder';
    case 'ENAMETOOLONG':
      return 'the path is longer than the system allows';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error';
    default:
      return err?.code ? `${err.code}: ${err.message}` : String((e as Error)?.message ?? e);
  }
}

/** What a non-regular file is, in words. */
export function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return stat.isFile() ? 'a file' : 'not a regular file';
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface DecodedText {
  text: string;
  /**
   * The first byte that is not part of a UTF-8 character: its byte offset, value and UTF-16 offset
   * in `text`; and how many such bytes the first 64 KB hold (a binary file has them everywhere).
   */
  invalid?: { byte: number; value: number; offset: number; inSample: number };
  /** Whether the text contains NUL characters. */
  nul: boolean;
  /** Byte offset of a UTF-16 offset of `text` (at a character boundary). */
  byteOffset(offset: number): number;
}

/**
 * Where the characters whose UTF-8 form is not one byte each sit: their UTF-16 offset and length,
 * byte offset and length. Offsets between them are ASCII, one byte a unit.
 */
class Anchors {
  readonly u16: number[] = [];
  readonly u16Len: number[] = [];
  readonly bytes: number[] = [];
  readonly byteLen: number[] = [];

  add(u16: number, u16Len: number, byte: number, byteLen: number): void {
    this.u16.push(u16);
    this.u16Len.push(u16Len);
    this.bytes.push(byte);
    this.byteLen.push(byteLen);
  }

  byteOffset(offset: number): number {
    let lo = 0;
    let hi = this.u16.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.u16[mid] <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return offset;
    const inside = offset - this.u16[found];
    if (inside < this.u16Len[found]) {
      if (inside === 0) return this.bytes[found];
      throw new FileProblem('an edit starts or ends inside a character');
    }
    return this.bytes[found] + this.byteLen[found] + (inside - this.u16Len[found]);
  }
}

/** Anchors of a text that came from valid UTF-8. */
function utf8Anchors(text: string): Anchors {
  const anchors = new Anchors();
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      byte++;
      continue;
    }
    if (c < 0x800) {
      anchors.add(i, 1, byte, 2);
      byte += 2;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      anchors.add(i, 2, byte, 4);
      byte += 4;
      i++;
    } else {
      anchors.add(i, 1, byte, 3);
      byte += 3;
    }
  }
  return anchors;
}

/** Length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, surrogates or values past U+10FFFF), or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  const cont = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const d = b[i + 1];
    if (c === 0xe0 && !(d >= 0xa0 && d <= 0xbf)) return 0;
    if (c === 0xed && !(d >= 0x80 && d <= 0x9f)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const d = b[i + 1];
    if (c === 0xf0 && !(d >= 0x90 && d <= 0xbf)) return 0;
    if (c === 0xf4 && !(d >= 0x80 && d <= 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes a file's bytes: UTF-8, and each byte outside a UTF-8 character as the Latin-1 character of its value. */
export function decodeBytes(bytes: Uint8Array): DecodedText {
  try {
    const text = strictUtf8.decode(bytes);
    let anchors: Anchors | undefined;
    return { text, nul: text.includes('\u0000'), byteOffset: (offset) => (anchors ??= utf8Anchors(text)).byteOffset(offset) };
  } catch {
    // not UTF-8: decoded piece by piece below
  }
  const anchors = new Anchors();
  const parts: string[] = [];
  let invalid: DecodedText['invalid'];
  let u16 = 0;
  let runStart = 0;
  const flush = (end: number) => {
    if (end <= runStart) return;
    const run = utf8.decode(bytes.subarray(runStart, end));
    const local = utf8Anchors(run);
    for (let k = 0; k < local.u16.length; k++) anchors.add(u16 + local.u16[k], local.u16Len[k], runStart + local.bytes[k], local.byteLen[k]);
    parts.push(run);
    u16 += run.length;
  };
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    flush(i);
    invalid ??= { byte: i, value: bytes[i], offset: u16, inSample: 0 };
    if (i < 65536) invalid.inSample++;
    anchors.add(u16, 1, i, 1);
    parts.push(String.fromCharCode(bytes[i]));
    u16++;
    runStart = ++i;
  }
  flush(bytes.length);
  const text = parts.join('');
  return { text, invalid, nul: text.includes('\u0000'), byteOffset: (offset) => anchors.byteOffset(offset) };
}

export interface SourceFile extends DecodedText {
  path: string;
  bytes: Buffer;
  /** sha256 of the bytes read: a write checks the file still has them. */
  hash: string;
}

/**
 * Throws FileProblem unless `file` (after following symbolic links) is a regular file: FIFOs,
 * devices and sockets are never opened.
 */
export function regularFile(file: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    const link = (() => {
      try {
        return fs.lstatSync(file).isSymbolicLink();
      } catch {
        return false;
      }
    })();
    if (link && (e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileProblem('a symbolic link to a file that does not exist');
    throw new FileProblem(describeFsError(e));
  }
  if (!stat.isFile()) throw new FileProblem(`${fileKind(stat)}, not a regular file: not read`);
  return stat;
}

/** Reads a regular file's bytes and decodes them. Throws FileProblem with the reason in words. */
export function readSource(file: string): SourceFile {
  const before = regularFile(file);
  let fd: number;
  try {
    // O_NONBLOCK: should the path become a FIFO after the check above, opening it does not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new FileProblem(describeFsError(e));
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.ino !== before.ino || stat.dev !== before.dev) throw new FileProblem('the file changed while it was opened: not read');
    const bytes = fs.readFileSync(fd);
    return { path: file, bytes, hash: sha256(bytes), ...decodeBytes(bytes) };
  } catch (e) {
    if (e instanceof FileProblem) throw e;
    throw new FileProblem(describeFsError(e));
  } finally {
    fs.closeSync(fd);
  }
}

export interface OffsetEditLike {
  start: number;
  end: number;
  newText: string;
}

/**
 * The file's bytes with `edits` (UTF-16 offsets into its decoded text) applied: the bytes between
 * edits are copied as they were read. Refused when the file is not UTF-8 and an edit would write
 * a character that is not ASCII (it could not be written in the file's own encoding), and when it
 * holds NUL bytes.
 */
export function patchBytes(file: SourceFile, edits: readonly OffsetEditLike[]): Buffer {
  if (file.nul) throw new FileProblem('the file contains NUL bytes: not changed');
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: Buffer[] = [];
  let at = 0;
  for (const e of sorted) {
    const start = file.byteOffset(e.start);
    const end = file.byteOffset(e.end);
    if (start < at || end < start) throw new FileProblem('the fixes overlap: not changed');
    if (file.invalid && /[^\u0000-\u007f]/.test(e.newText)) {
      throw new FileProblem(`the file is not UTF-8 (byte 0x${file.invalid.value.toString(16).toUpperCase().padStart(2, '0')} at byte ${file.invalid.byte}) and a fix would write text that is not ASCII into it: not changed. Save the file as UTF-8 first`);
    }
    parts.push(file.bytes.subarray(at, start), Buffer.from(e.newText, 'utf8'));
    at = end;
  }
  parts.push(file.bytes.subarray(at));
  return Buffer.concat(parts);
}

/** `target`'s folder, with symbolic links resolved, is `folder` or inside it. */
function assertWithin(target: string, folder: string): void {
  let root: string;
  let dir: string;
  try {
    root = fs.realpathSync(folder);
    dir = fs.realpathSync(path.dirname(path.resolve(target)));
  } catch (e) {
    throw new FileProblem(`${target}: ${describeFsError(e)}`);
  }
  const rel = path.relative(root, dir);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw new FileProblem(`${target} is outside ${folder}: not written`);
}

/** The target as it is now: undefined when nothing is there. A link or a non-regular file is refused. */
function existing(target: string): fs.Stats | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileProblem(`${target}: ${describeFsError(e)}`);
  }
  if (stat.isSymbolicLink()) throw new FileProblem(`${target} is a symbolic link: not written (links are never followed when writing)`);
  if (!stat.isFile()) throw new FileProblem(`${target} is ${fileKind(stat)}: not written`);
  return stat;
}

/** The hash of the target's bytes now, read without following a link. */
function currentHash(target: string): string {
  let fd: number;
  try {
    fd = fs.openSync(target, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new FileProblem(`${target}: ${describeFsError(e)}`);
  }
  try {
    return sha256(fs.readFileSync(fd));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The sha256 of a file about to be replaced, or null when nothing is there (what WriteOptions.expected
 * takes); a link or a non-regular file in its place is refused.
 */
export function existingHash(target: string): string | null {
  return existing(target) ? currentHash(target) : null;
}

export interface WriteOptions {
  /** The folder the target must be in (after resolving links): the migration's folder, or the plan's. */
  within: string;
  /**
   * What the target must hold: the sha256 of the bytes the caller read (the file must still have
   * them), or null when the target must not exist.
   */
  expected: string | null;
}

/**
 * Writes `content` to `target` atomically: a temporary file in the same folder, flushed, given the
 * old file's mode, then renamed over the target. Throws FileProblem, and leaves the target as it
 * was, when the write is refused or fails.
 */
export function writeFileAtomic(target: string, content: string | Uint8Array, options: WriteOptions): void {
  assertWithin(target, options.within);
  const check = () => {
    const stat = existing(target);
    if (options.expected === null) {
      if (stat) throw new FileProblem(`${target} exists already: not written`);
    } else {
      if (!stat) throw new FileProblem(`${target} was removed since it was read: not written`);
      if (currentHash(target) !== options.expected) throw new FileProblem(`${target} changed since it was read: not written (run again on the new content)`);
    }
    return stat;
  };
  const stat = check();
  const dir = path.dirname(path.resolve(target));
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    // O_EXCL: never opens a file or a link already there.
    fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, stat ? stat.mode & 0o7777 : 0o666);
  } catch (e) {
    throw new FileProblem(`${target}: cannot create a temporary file beside it: ${describeFsError(e)}`);
  }
  try {
    try {
      fs.writeFileSync(fd, content);
      if (stat) fs.fchmodSync(fd, stat.mode & 0o7777);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // Once more right before the rename: the window for another writer is the rename itself.
    check();
    if (options.expected === null) {
      // A new file: linked into place, which fails when anything appeared there meanwhile (a
      // rename would replace it).
      fs.linkSync(temp, target);
      fs.unlinkSync(temp);
    } else fs.renameSync(temp, target);
  } catch (e) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // already gone
    }
    if (e instanceof FileProblem) throw e;
    throw new FileProblem(`${target}: ${describeFsError(e)}`);
  }
}

/**
 * Checks that `dir` is inside `within` and is a real folder or nothing yet (a link or a file in its
 * place is refused); returns whether it exists.
 */
export function checkFolder(dir: string, within: string): boolean {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileProblem(`${dir}: ${describeFsError(e)}`);
  }
  if (stat?.isSymbolicLink()) throw new FileProblem(`${dir} is a symbolic link: not written into`);
  if (stat && !stat.isDirectory()) throw new FileProblem(`${dir} is ${fileKind(stat)}, not a folder: not written into`);
  // The folder itself when it is there, else the one it would be made in.
  assertWithin(stat ? path.join(dir, 'x') : dir, within);
  return stat !== undefined;
}

/** Makes `dir` (one level, inside `within`) when it is not there; a link or a file in its place is refused. */
export function makeFolder(dir: string, within: string): void {
  if (checkFolder(dir, within)) return;
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    throw new FileProblem(`${dir}: ${describeFsError(e)}`);
  }
}

/** The new files of a fix, by path, each with the folder it must stay in (the migration's, or the migrations folder above it). */
export function newFiles(file: string, files: { path: string; content: string }[]): { path: string; content: string; within: string }[] {
  const dir = path.dirname(file);
  return files.map((f) => ({ path: path.join(dir, ...f.path.split('/')), content: f.content, within: f.path.startsWith('../') ? path.dirname(dir) : dir }));
}

/**
 * Writes new migration files, none of which may exist yet: every target is checked before the
 * first is written, and a failure removes those already written.
 * Returns what removes them again.
 */
export function writeNewFiles(files: { path: string; content: string; within: string }[]): () => void {
  for (const f of files) {
    checkFolder(path.dirname(f.path), f.within);
    if (existingHash(f.path) !== null) throw new FileProblem(`${f.path} exists already: nothing written`);
  }
  const written: string[] = [];
  const made: string[] = [];
  const undo = () => {
    for (const p of written) fs.rmSync(p, { force: true });
    for (const d of made.reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not empty, or gone: left as it is
      }
    }
  };
  try {
    for (const f of files) {
      const dir = path.dirname(f.path);
      if (!fs.existsSync(dir)) {
        makeFolder(dir, f.within);
        made.push(dir);
      }
      writeFileAtomic(f.path, f.content, { within: f.within, expected: null });
      written.push(f.path);
    }
  } catch (e) {
    undo();
    throw e;
  }
  return undo;
}

/** What the engine is told about a file's bytes that are not UTF-8 (AnalyzeOptions.invalidUtf8). */
export function invalidUtf8Of(source: DecodedText): { offset: number; value: number; inSample: number } | undefined {
  return source.invalid && { offset: source.invalid.offset, value: source.invalid.value, inSample: source.invalid.inSample };
}
