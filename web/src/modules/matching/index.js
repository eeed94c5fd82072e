// 供需对接 (issue 11): residents post needs (点单), the engine proposes providers (派单),
// providers accept or decline (接单), hours are recorded and the resident rates (评单).
// One menu item for everyone: the page shows each role its part — a resident their own
// needs and the form to post one, a provider their proposals, staff the needs,
// resources and projects lists and the dispatch map. Server: src/modules/matching/.
import { Connection } from '@element-plus/icons-vue'

export default {
  name: 'matching',
  order: 60,
  nav: [
    {
      path: '/matching',
      name: 'matching',
      title: '供需对接',
      icon: Connection,
      order: 80,
      component: () => import('./views/MatchingView.vue'),
    },
  ],
  routes: [
    {
      path: '/matching/post',
      name: 'matching-post',
      component: () => import('./views/NeedFormView.vue'),
      meta: { title: '发布需求' },
    },
  ],
  shortcuts: [
    { title: '发布需求', to: '/matching/post', icon: Connection, roles: ['resident'], order: 30 },
    { title: '我的派单', to: '/matching?tab=inbox', icon: Connection, roles: ['party_member', 'volunteer', 'unit_contact'], order: 31 },
    { title: '匹配派单', to: '/matching?tab=dispatch', icon: Connection, perm: ['match_need', 'write'], order: 32 },
  ],
  labels: {
    counts: { match_needs: '供需对接需求' },
    auditActions: {
      'match_need.create': '发布需求',
      'match_need.complete': '登记服务完成',
      'match_need.rate': '评价服务',
      'match_need.cancel': '取消需求',
      'match_need.expire': '需求过期',
      'match_need.generate': '生成需求数据',
      'match_need.claim': '抢单',
      'match_need.assign': '人工派单',
      'match_offer.create': '登记资源',
      'match_offer.withdraw': '撤回资源',
      'match.run': '运行匹配',
      'match.settings_update': '修改匹配设置',
      'match_proposal.accept': '接单',
      'match_proposal.decline': '拒绝派单',
      'match_project.create': '创建项目',
      'match_project.commit': '组织认领项目',
      'match_project.milestone': '项目节点',
      'match_project.complete': '项目完成',
    },
    recordTypes: { match_need: '需求', match_offer: '资源', match_run: '匹配', match_proposal: '派单', match_project: '项目', match_settings: '匹配设置' },
  },
}
