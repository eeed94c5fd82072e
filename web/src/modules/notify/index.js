// 消息: the account's inbox and live events (server: src/modules/notify). The bell in the
// header (with the unread count) opens /notifications; pages refresh on what arrives
// through events.js.
export default {
  name: 'notify',
  order: 5,
  routes: [
    {
      path: '/notifications',
      name: 'notifications',
      component: () => import('./views/InboxView.vue'),
      meta: { title: '消息' },
    },
  ],
  // Components of the header, left of the user menu, shown while someone is logged in.
  header: [{ name: 'notify-bell', component: () => import('./views/NotifyBell.vue') }],
  labels: {
    counts: {},
    auditActions: { 'notification.read': '消息标为已读' },
    recordTypes: {},
  },
}
