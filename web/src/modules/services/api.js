// The services capability's API (docs/SERVICES.md): the catalogue, applications and their
// steps, files, certificates and the public check, venues and bookings.
import { apiDownload, apiGet, apiSend, queryString, seg } from '@/api.js'

// The catalogue (public): ?q= words, ?category=, limit, cursor.
export const searchCatalogue = (params) => apiGet('/service-catalogue' + queryString(params))
export const getService = (id) => apiGet('/service-catalogue/' + seg(id))

// A file for an application: the File itself, its type (PDF, PNG, JPEG) checked by the server.
export const uploadFile = (file) =>
  apiSend('POST', '/service-attachments' + queryString({ name: file.name }), file, {
    contentType: file.type,
    timeoutMs: 60000,
  })

// {service_id, resident_id?, fields, materials}
export const apply = (body) => apiSend('POST', '/service-applications', body)
export const getApplication = (id) => apiGet('/service-applications/' + seg(id))
// {action, missing?, reason?, note?, fields?, materials?}
export const stepApplication = (id, body) => apiSend('POST', '/service-applications/' + seg(id) + '/actions', body)
export const rateApplication = (id, body) => apiSend('POST', '/service-applications/' + seg(id) + '/rating', body)
export const myApplications = (params) => apiGet('/me/service-applications' + queryString(params))
// The staff queue: state, service, place, overdue ('1'), limit, cursor.
export const listApplications = (params) => apiGet('/service-applications' + queryString(params))
export const downloadFile = (id) => apiDownload('/service-attachments/' + seg(id), 'attachment-' + id)

// Certificates.
export const downloadCertificate = (cert) => apiDownload(cert.pdf_url, `${cert.kind}-${cert.number}.pdf`)
export const revokeCertificate = (id, reason) =>
  apiSend('POST', '/service-certificates/' + seg(id) + '/revoke', { reason })
// The public check: {status: valid | revoked | invalid, kind?, number?, issued_on?, community?}.
export const checkCertificate = (code) => apiGet('/certificate-checks/' + seg(code), { noAuthRedirect: true })

// Venues and bookings.
export const listVenues = (params) => apiGet('/venues' + queryString(params))
export const venueCalendar = (id, params) => apiGet('/venues/' + seg(id) + '/calendar' + queryString(params))
export const bookVenue = (body) => apiSend('POST', '/venue-bookings', body)
export const stepBooking = (id, body) => apiSend('POST', '/venue-bookings/' + seg(id) + '/actions', body)
export const myBookings = (params) => apiGet('/me/venue-bookings' + queryString(params))
// The bookings of the venues the caller manages: state, venue, limit, cursor.
export const listVenueBookings = (params) => apiGet('/venue-bookings' + queryString(params))
// Rates per office (docs/METRICS.md): from, to (Beijing dates), place.
export const getRates = (params) => apiGet('/service-rates' + queryString(params))
