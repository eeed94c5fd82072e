// 居民与房屋 and 数据导入: residents (personal data encrypted, masked, revealed with an
// audit row), units and their owners, households, imports and exports; records kept by
// hand (add a resident or a household, edit, move, 迁出, 迁入, 死亡) with their history,
// and the printable 户卡. The pages under /residents/… are not menu items: the menu
// shows 居民与房屋 for them; meta.nav.perm guards them like menu items (router.js).
import { House, Upload } from '@element-plus/icons-vue'

export default {
  name: 'people',
  order: 40,
  nav: [
    {
      path: '/residents',
      name: 'residents',
      title: '居民与房屋',
      icon: House,
      perm: ['resident', 'read'],
      order: 30,
      component: () => import('./views/ResidentsView.vue'),
    },
    {
      path: '/import',
      name: 'import',
      title: '数据导入',
      icon: Upload,
      perm: ['resident', 'write'],
      order: 40,
      component: () => import('./views/ImportView.vue'),
    },
  ],
  routes: [
    {
      path: '/residents/new',
      name: 'resident-new',
      component: () => import('./views/ResidentFormView.vue'),
      meta: { title: '新增居民', nav: { perm: ['resident', 'write'] } },
    },
    {
      path: '/residents/households/new',
      name: 'household-new',
      component: () => import('./views/HouseholdFormView.vue'),
      meta: { title: '新增户', nav: { perm: ['resident', 'write'] } },
    },
    {
      path: '/residents/households/:id',
      name: 'household-card',
      component: () => import('./views/HouseholdCardView.vue'),
      meta: { title: '户卡', nav: { perm: ['resident', 'read'] } },
    },
    {
      path: '/residents/:id',
      name: 'resident',
      component: () => import('./views/ResidentDetailView.vue'),
      meta: { title: '居民详情', nav: { perm: ['resident', 'read'] } },
    },
    {
      path: '/residents/:id/edit',
      name: 'resident-edit',
      component: () => import('./views/ResidentFormView.vue'),
      meta: { title: '修改居民信息', nav: { perm: ['resident', 'write'] } },
    },
  ],
  labels: {
    counts: {
      units: '房屋',
      residents: '居民',
      households: '户',
      residents_moved_out: '已迁出居民',
      residents_deceased: '已故居民',
    },
    auditActions: {
      'resident.create': '新建居民',
      'resident.update': '修改居民信息',
      'resident.move': '辖区内迁移',
      'resident.move_out': '居民迁出',
      'resident.move_in': '居民迁入',
      'resident.deceased': '登记死亡',
      'resident.duplicate_id_number': '登记重复身份证号',
      'resident.self_update': '居民修改本人信息',
      'resident.import': '导入居民',
      'resident.export': '导出居民',
      'resident.reveal': '查看完整个人信息',
      'resident.lookup': '按证件号码等查找居民',
      'resident_tag.create': '新建居民标签',
      'household.create': '新建户',
      'unit.create': '新建房屋',
      'unit.import': '导入房屋',
      'unit.export': '导出房屋',
    },
    recordTypes: { resident: '居民', resident_tag: '居民标签', household: '户', unit: '房屋' },
  },
}
