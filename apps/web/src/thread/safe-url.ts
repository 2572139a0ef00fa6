/** URLs a part may link or show: web, mail, data images and blobs. `javascript:` and the like become null. */
export function safeUrl(url: unknown, purpose: 'link' | 'image'): string | null {
  if (typeof url !== 'string' || url.trim() === '') return null;
  const trimmed = url.trim();
  if (purpose === 'image' && /^data:image\/(png|jpe?g|gif|webp|avif|bmp);/i.test(trimmed)) return trimmed;
  if (purpose === 'link' && /^data:/i.test(trimmed)) return trimmed;
  try {
    const parsed = new URL(trimmed, window.location.href);
    if (['http:', 'https:', 'blob:'].includes(parsed.protocol)) return parsed.href;
    if (purpose === 'link' && parsed.protocol === 'mailto:') return parsed.href;
  } catch {
    return null;
  }
  return null;
}
