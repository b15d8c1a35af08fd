// Photos are made small on the phone before anything else: decode with the EXIF orientation
// applied, scale to ≤ 1600 px, JPEG ≈ 0.8, then hash the compressed bytes (the server's name).

export interface PreparedPhoto {
  blob: Blob
  sha: string
  width: number
  height: number
}

export interface ExifFacts {
  lat?: number
  lon?: number
  takenAt?: Date
}

export const MAX_EDGE = 1600
export const JPEG_QUALITY = 0.8

export async function compressPhoto(file: Blob, maxEdge = MAX_EDGE, quality = JPEG_QUALITY): Promise<{ blob: Blob; width: number; height: number }> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
  try {
    const scale = Math.min(1, maxEdge / Math.max(bitmap.width, bitmap.height))
    const width = Math.max(1, Math.round(bitmap.width * scale))
    const height = Math.max(1, Math.round(bitmap.height * scale))
    if (typeof OffscreenCanvas === 'function') {
      const canvas = new OffscreenCanvas(width, height)
      const ctx = canvas.getContext('2d')
      if (!ctx) throw new Error('no 2d context')
      ctx.drawImage(bitmap, 0, 0, width, height)
      return { blob: await canvas.convertToBlob({ type: 'image/jpeg', quality }), width, height }
    }
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('no 2d context')
    ctx.drawImage(bitmap, 0, 0, width, height)
    const blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/jpeg', quality))
    return { blob, width, height }
  } finally {
    bitmap.close()
  }
}

export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

export async function preparePhoto(file: Blob): Promise<PreparedPhoto> {
  const start = performance.now()
  const { blob, width, height } = await compressPhoto(file)
  performance.measure('civicloop:photo:compress', { start })
  return { blob, width, height, sha: await sha256Hex(blob) }
}

/** GPS and capture time from the original file, read before compression drops EXIF. */
export async function readExif(file: Blob): Promise<ExifFacts> {
  const exifr = await import('exifr/dist/lite.esm.mjs')
  const out: ExifFacts = {}
  const tags = (await exifr.parse(file, { gps: true, pick: ['DateTimeOriginal', 'GPSLatitude', 'GPSLongitude', 'GPSLatitudeRef', 'GPSLongitudeRef'] })) as
    { latitude?: number; longitude?: number; DateTimeOriginal?: Date } | undefined
  if (tags && Number.isFinite(tags.latitude) && Number.isFinite(tags.longitude)) {
    out.lat = tags.latitude
    out.lon = tags.longitude
  }
  if (tags?.DateTimeOriginal instanceof Date && !Number.isNaN(tags.DateTimeOriginal.getTime())) out.takenAt = tags.DateTimeOriginal
  return out
}
