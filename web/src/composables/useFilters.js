// The filter form of a list page: a reactive copy of the defaults, and reset() back to
// them. The defaults are plain values (strings, null, arrays of plain values).
//
//   const { filters, reset } = useFilters({ action: '', user: '', range: null })
import { reactive } from 'vue'

export function useFilters(defaults) {
  const fresh = () => JSON.parse(JSON.stringify(defaults))
  const filters = reactive(fresh())
  function reset() {
    Object.assign(filters, fresh())
  }
  return { filters, reset }
}
