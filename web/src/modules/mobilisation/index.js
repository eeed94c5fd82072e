// 志愿活动, 我的志愿, 爱心超市, 党员积分: activities with sign-up and check-in (the organiser's
// rotating code), my hours, points and history, the charity store, and the printable
// record certificate (志愿服务记录证明). Server: src/modules/mobilisation/.
import { Flag, Medal, Present, Tickets } from '@element-plus/icons-vue'

export default {
  name: 'mobilisation',
  order: 80,
  // The workbench's shortcuts: those who volunteer sign up for activities and see their
  // hours and points first.
  shortcuts: [
    { title: '志愿活动', to: '/mobilisation', icon: Medal, roles: ['party_member', 'volunteer'], perm: ['activity', 'read'], order: 20 },
    { title: '我的志愿', to: '/mobilisation/me', icon: Tickets, roles: ['party_member', 'volunteer'], order: 21 },
  ],
  nav: [
    {
      path: '/mobilisation',
      name: 'mobilisation',
      title: '志愿活动',
      icon: Medal,
      perm: ['activity', 'read'],
      order: 100,
      component: () => import('./views/ActivitiesView.vue'),
    },
    {
      path: '/mobilisation/me',
      name: 'mobilisation-me',
      title: '我的志愿',
      icon: Tickets,
      order: 101,
      component: () => import('./views/MyView.vue'),
    },
    {
      path: '/mobilisation/store',
      name: 'mobilisation-store',
      title: '爱心超市',
      icon: Present,
      perm: ['store', 'read'],
      order: 102,
      component: () => import('./views/StoreView.vue'),
    },
    {
      path: '/mobilisation/party',
      name: 'mobilisation-party',
      title: '党员积分',
      icon: Flag,
      perm: ['party_points', 'read'],
      order: 103,
      component: () => import('./views/PartyPointsView.vue'),
    },
  ],
  routes: [
    {
      path: '/mobilisation/party/me',
      name: 'mobilisation-party-me',
      component: () => import('./views/PartyMemberView.vue'),
      meta: { title: '我的党员积分' },
    },
    {
      path: '/mobilisation/party/members/:id',
      name: 'mobilisation-party-member',
      component: () => import('./views/PartyMemberView.vue'),
      meta: { title: '党员积分' },
    },
    {
      path: '/mobilisation/activities/:id',
      name: 'mobilisation-activity',
      component: () => import('./views/ActivityView.vue'),
      meta: { title: '活动详情' },
    },
    {
      path: '/mobilisation/activities/:id/code',
      name: 'mobilisation-code',
      component: () => import('./views/CodeView.vue'),
      meta: { title: '签到码' },
    },
    {
      path: '/mobilisation/certificate',
      name: 'mobilisation-certificate',
      component: () => import('./views/CertificateView.vue'),
      meta: { title: '志愿服务记录证明' },
    },
  ],
  labels: {
    counts: { activities: '志愿活动', signups: '活动报名', service_records: '志愿服务记录', redemptions: '爱心超市兑换' },
    auditActions: {
      'activity.create': '发布活动',
      'activity.update': '修改活动',
      'activity.cancel': '取消活动',
      'activity.signup': '活动报名',
      'activity.signup_cancel': '取消报名',
      'activity.check_in': '活动签到',
      'activity.check_out': '活动签退',
      'activity.check_out_closed': '代为签退',
      'activity.confirm': '确认服务时长',
      'service_record.create': '登记培训或表彰',
      'service_record.correct': '更正服务时长',
      'points.adjust': '调整积分',
      'points.rules_update': '修改积分规则',
      'store_item.create': '新增爱心超市物品',
      'store_item.update': '修改爱心超市物品',
      'store_item.stock': '补货或捐赠入库',
      'store.redeem': '积分兑换',
      'store.pick_up': '确认领取',
      'store.cancel': '取消兑换',
      'party_points.rules_update': '修改支部积分规则',
      'party_points.entry': '记录党员积分',
      'party_points.report_export': '下载双报到报告',
    },
    recordTypes: {
      activity: '志愿活动',
      service_record: '志愿服务记录',
      points_movement: '积分变动',
      points_rules: '积分规则',
      store_item: '爱心超市物品',
      redemption: '积分兑换',
      party_point_entry: '党员积分记录',
    },
  },
}
