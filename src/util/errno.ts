/** The text C's strerror() gives for the errno codes file work meets; other errors keep their message. */
const TEXTS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOSPC: 'No space left on device',
  EACCES: 'Permission denied',
  EIO: 'Input/output error',
  EROFS: 'Read-only file system',
  EDQUOT: 'Disk quota exceeded',
  EBADF: 'Bad file descriptor',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
};

export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException | null;
  const code = err !== null && typeof err === 'object' ? err.code : undefined;
  if (code !== undefined && TEXTS[code] !== undefined) return TEXTS[code];
  return err !== null && typeof err === 'object' && err.message !== undefined ? err.message : String(e);
}
