import { ref } from 'vue'

export interface ToastMessage {
  text: string
  kind: 'info' | 'success'
  id: number
}

/** One short message at a time, read out by screen readers (AppToast renders it). */
export const toast = ref<ToastMessage | null>(null)
let timer: ReturnType<typeof setTimeout> | null = null
let seq = 0

export function showToast(text: string, kind: ToastMessage['kind'] = 'info', ms = 2500): void {
  if (timer) clearTimeout(timer)
  toast.value = { text, kind, id: ++seq }
  timer = setTimeout(() => {
    toast.value = null
  }, ms)
}
