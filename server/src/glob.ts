/**
 * Glob patterns of the `include` setting (`**` any folders, `*` and `?` within a path segment,
 * `{a,b}` alternatives), matched against forward-slash paths.
 */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') out += '(?:';
    else if (c === '}') out += ')';
    else if (c === ',' && out.lastIndexOf('(?:') > out.lastIndexOf(')')) out += '|';
    else out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** True when `relativePath` (forward slashes, relative to a workspace folder) matches one of the globs. */
export function matchesAny(relativePath: string, globs: string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(relativePath));
}
