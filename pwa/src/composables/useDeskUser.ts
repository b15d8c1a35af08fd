import { computed, type ComputedRef } from 'vue'
import { deskHome } from '@/router/desk'
import { useAuthStore } from '@/stores/auth'

/** True for users who work at the desk only (dispatchers, unit staff, supervisors): pages both
 *  sides share (消息, 我的) show them the desk navigation instead of the field tab bar. */
export function useDeskUser(): ComputedRef<boolean> {
  const auth = useAuthStore()
  return computed(() => deskHome(auth.roles) !== null)
}
