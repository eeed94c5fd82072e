// The system capability's API: service status.
import { apiGet } from '@/api.js'

// Service status, database, version, uptime; record counts for roles that may see them.
export const getStatus = () => apiGet('/status')
