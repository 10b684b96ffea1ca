/** Words for the errno codes a user can meet, so no message shows a bare code. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'something already exists there',
  ENOTEMPTY: 'a non-empty directory is in the way',
  ELOOP: 'too many levels of symbolic links (a symlink loop)',
  ENAMETOOLONG: 'the file name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EIO: 'an I/O error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EXDEV: 'it is on another file system',
  EINVAL: 'an invalid argument',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  EAGAIN: 'the resource is temporarily unavailable',
};

/** "no space left on the device (ENOSPC)" for an errno error, else the error's own message. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && ERRNO_WORDS[code]) return `${ERRNO_WORDS[code]} (${code})`;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `the system refused it (${code})`;
  return (e as Error)?.message ?? String(e);
}

/** True for an error raised by a file system call (it carries an errno code). */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
