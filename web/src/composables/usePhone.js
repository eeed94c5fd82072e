// True below 768 px (the phone layout of styles.css): one media query for the whole app,
// for what CSS cannot change (a table's fixed column, a description list's columns).
import { readonly, ref } from 'vue'

export const PHONE_QUERY = '(max-width: 767px)'

const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(PHONE_QUERY) : null
const phone = ref(!!(query && query.matches))
query && query.addEventListener('change', (e) => (phone.value = e.matches))

export function usePhone() {
  return readonly(phone)
}
