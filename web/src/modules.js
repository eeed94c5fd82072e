// The capabilities of the web UI. Every web/src/modules/<name>/index.js is picked up
// here (import.meta.glob, at build time) and exports its registration:
//
//   export default {
//     name: 'cases',            // the folder's name
//     order: 50,                // where its labels go among the modules' (audit filter order)
//     nav: [{ path, name, title, icon, perm?, order, component: () => import('./views/X.vue') }],
//                               // menu items and their routes (nav.js, router.js); no
//                               // component: the "under construction" page
//     routes: [],               // further routes that are not menu items (vue-router records)
//     userMenu: [{ command, title, testid, dialog: () => import('./views/X.vue') }],
//                               // items of the header's user menu; the dialog (lazy) takes
//                               // v-model (open)
//     header: [{ name, component: () => import('./views/X.vue') }],
//                               // components of the header, left of the user menu, shown
//                               // while someone is logged in (the inbox's bell)
//     labels: { counts, auditActions, auditVerbs, fieldLabels, recordTypes, roles },
//                               // merged by labels.js (auditVerbs: what an action did,
//                               // "查看了"; fieldLabels: "phone" -> "手机号")
//   }
//
// Adding a capability is adding its folder; no shared file changes. The registration
// is loaded with the shell, so it imports no views (they are lazy, one chunk each) and
// nothing heavier than icons.
const found = import.meta.glob('./modules/*/index.js', { eager: true, import: 'default' })

export const MODULES = Object.values(found).sort(
  (a, b) => (a.order ?? 0) - (b.order ?? 0) || String(a.name).localeCompare(String(b.name)),
)
