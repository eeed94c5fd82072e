// 网格地图: streets, communities, grids and buildings. Other modules read places
// through places.js and api.js here.
import { MapLocation } from '@element-plus/icons-vue'

export default {
  name: 'space',
  order: 20,
  nav: [
    {
      path: '/grids',
      name: 'grids',
      title: '网格地图',
      icon: MapLocation,
      perm: ['space', 'read'],
      order: 20,
      component: () => import('./views/GridMapView.vue'),
    },
  ],
  labels: {
    counts: { streets: '街道', communities: '社区', grids: '网格', buildings: '楼栋' },
    auditActions: {
      'street.create': '新建街道',
      'community.create': '新建社区',
      'building.create': '新建楼栋',
      'grid.import': '导入网格',
    },
    auditVerbs: {
      'street.create': '新建了',
      'community.create': '新建了',
      'building.create': '新建了',
      'grid.import': '导入了',
    },
    recordTypes: { street: '街道', community: '社区', grid: '网格', building: '楼栋' },
  },
}
