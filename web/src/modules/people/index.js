// 居民与房屋 and 数据导入: residents (personal data encrypted, masked, revealed with an
// audit row), units and their owners, households, imports and exports.
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
  labels: {
    counts: { units: '房屋', residents: '居民', households: '户' },
    auditActions: {
      'resident.create': '新建居民',
      'resident.update': '修改居民信息',
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
