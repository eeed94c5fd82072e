// The workbench's API: the caller's to-dos and the figures of their own scope, as the
// modules contribute them (GET /workbench; docs/ARCHITECTURE.md, "Modules").
import { apiGet } from '@/api.js'

// {todos: [{module, kind, label, link, count}], figures: [{module, kind, title, items: [{key, label, unit, value?, text?}]}]}
export const getWorkbench = () => apiGet('/workbench')
