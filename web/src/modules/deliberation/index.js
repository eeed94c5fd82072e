// 协商议事 (issue 12): topics through their stages (提出议题 → 确定议题 → 征求意见 →
// 议事会协商 → 表决 → 公示 → 实施 → 监督评议), the phone voting page and the result with
// its working (docs/DELIBERATION.md).
import { ChatDotRound } from '@element-plus/icons-vue'

export default {
  name: 'deliberation',
  order: 70,
  nav: [
    {
      path: '/deliberation',
      name: 'deliberation',
      title: '协商议事',
      icon: ChatDotRound,
      order: 90,
      perm: ['deliberation', 'read'],
      component: () => import('./views/TopicsView.vue'),
    },
  ],
  routes: [
    {
      path: '/deliberation/topics/:id',
      name: 'topic',
      component: () => import('./views/TopicView.vue'),
      meta: { title: '议题' },
    },
    {
      path: '/deliberation/budgets',
      name: 'pb-rounds',
      component: () => import('./views/PbRoundsView.vue'),
      meta: { title: '民生微实事' },
    },
    {
      path: '/deliberation/budgets/:id',
      name: 'pb-round',
      component: () => import('./views/PbRoundView.vue'),
      meta: { title: '民生微实事' },
    },
    {
      path: '/deliberation/votes/:id',
      name: 'vote',
      component: () => import('./views/VoteView.vue'),
      meta: { title: '表决' },
    },
  ],
  labels: {
    auditActions: {
      'topic.create': '提出议题',
      'topic.stage': '推进议题阶段',
      'topic.comment': '发表意见',
      'topic.reply': '回复意见',
      'topic.meeting': '记录议事会',
      'topic.task': '登记实施任务',
      'topic.progress': '更新实施进度',
      'topic.evaluate': '评议',
      'vote.open': '发起表决',
      'vote.close': '结束表决',
      'ballot.cast': '投票',
      'ballot.paper': '录入纸质选票',
      'pb_round.create': '创建民生微实事',
      'pb_project.propose': '提出项目',
      'pb_project.review': '审核项目',
      'pb_round.open': '开始项目投票',
      'pb_ballot.cast': '项目投票',
      'pb_round.close': '结束项目投票',
      'pb_round.import': '导入民生微实事（.pb 文件）',
    },
    recordTypes: { topic: '议题', vote: '表决', pb_round: '民生微实事' },
  },
}
