// 组织网络 and 党员名册: organisations, their members, the network between them,
// Party members and their 双报到 (docs/ORG.md).
import { Flag, Share } from '@element-plus/icons-vue'

export default {
  name: 'org',
  order: 30,
  nav: [
    {
      path: '/network',
      name: 'network',
      title: '组织网络',
      icon: Share,
      perm: ['space', 'read'],
      order: 50,
      component: () => import('./views/NetworkView.vue'),
    },
    {
      path: '/party-members',
      name: 'party-members',
      title: '党员名册',
      icon: Flag,
      perm: ['space', 'read'],
      order: 60,
      component: () => import('./views/PartyMembersView.vue'),
    },
  ],
  labels: {
    counts: { organisations: '组织', coop_agreements: '共建协议', party_members: '党员' },
    auditActions: {
      'org.create': '新建组织',
      'org.member_add': '添加组织成员',
      'coop_agreement.create': '新建共建协议',
      'party_member.create': '登记党员',
    },
    auditVerbs: {
      'org.create': '新建了',
      'org.member_add': '添加了',
      'coop_agreement.create': '新建了',
      'party_member.create': '登记了',
    },
    recordTypes: {
      organisation: '组织',
      org_member: '组织成员',
      coop_agreement: '共建协议',
      party_member: '党员',
    },
  },
}
