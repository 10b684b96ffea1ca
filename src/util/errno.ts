/** Words for the errno codes a user can meet, so no message shows a bare code. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied; check the permissions of the file and its directories',
  EPERM: 'the operation is not permitted; check the permissions of the file',
  ELOOP: 'the path runs into a loop of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  ENXIO: 'it is a device or socket that cannot be opened for reading',
  ENODEV: 'it is a device that cannot be read',
  EMFILE: 'too many files are open; close some programs and retry',
  ENFILE: 'too many files are open on this system; retry later',
  EIO: 'an I/O error occurred; check the disk',
  EAGAIN: 'it is not ready to be read (a FIFO or device); pass a regular file',
  EINVAL: 'the path is not valid',
  EEXIST: 'something already exists there',
  ENOTEMPTY: 'a non-empty directory is in the way',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EXDEV: 'it is on another file system',
};

/** What an errno code means for the user, in words; undefined for a code not listed. */
export function errnoWords(code: string | undefined): string | undefined {
  return code === undefined ? undefined : ERRNO_WORDS[code];
}

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
