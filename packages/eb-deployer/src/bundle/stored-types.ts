/**
 * Extensions of formats that are compressed already: deflating them again costs time and saves nothing
 * (often it grows them), so they are stored as they are. Anything else is deflated, and a small file that
 * deflate does not shrink is stored too.
 */
const STORED_EXTENSIONS = new Set([
  // images
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'avif',
  'heic',
  'heif',
  'jxl',
  // fonts
  'woff',
  'woff2',
  // archives and compressed streams
  'gz',
  'tgz',
  'bz2',
  'tbz2',
  'xz',
  'txz',
  'zst',
  'lz4',
  'lzma',
  'br',
  '7z',
  'rar',
  'zip',
  'jar',
  'war',
  'ear',
  'whl',
  'apk',
  'nupkg',
  // office documents (zips)
  'docx',
  'xlsx',
  'pptx',
  'odt',
  'ods',
  'odp',
  'epub',
  // audio and video
  'mp3',
  'mp4',
  'm4a',
  'm4v',
  'aac',
  'ogg',
  'oga',
  'ogv',
  'opus',
  'webm',
  'mov',
  'mkv',
  'flac',
]);

/** Whether a file at this path is stored without deflate because its format is compressed already. */
export function isPrecompressed(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return false;
  return STORED_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}
