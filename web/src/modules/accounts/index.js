// 账号管理 and 审计日志 (the login itself is part of the shell: views/LoginView.vue).
import { Document, User } from '@element-plus/icons-vue'

export default {
  name: 'accounts',
  order: 10,
  nav: [
    {
      path: '/users',
      name: 'users',
      title: '账号管理',
      icon: User,
      perm: ['account', 'admin'],
      order: 120,
      component: () => import('./views/UsersView.vue'),
    },
    {
      path: '/audit',
      name: 'audit',
      title: '审计日志',
      icon: Document,
      perm: ['audit', 'read'],
      order: 130,
      component: () => import('./views/AuditView.vue'),
    },
  ],
  // Not menu items: the password form the app sends a user to when an administrator
  // reset their password (session.mustChangePassword, router.js), also reachable from
  // the user menu's 修改密码 dialog.
  routes: [
    {
      path: '/password',
      name: 'password',
      component: () => import('./views/PasswordView.vue'),
      meta: { title: '修改密码' },
    },
  ],
  // Items of the header's user menu: command, title, and the dialog it opens (lazy).
  userMenu: [
    {
      command: 'password',
      title: '修改密码',
      testid: 'change-password',
      dialog: () => import('./views/PasswordDialog.vue'),
    },
  ],
  labels: {
    counts: { users: '账号' },
    auditActions: {
      'session.login': '登录',
      'session.login_failed': '登录失败',
      'session.logout': '退出登录',
      'user.create': '新建账号',
      'user.grant': '授予角色',
      'user.revoke': '撤销角色',
      'user.delete': '删除账号',
      'user.passwd': '修改密码（命令行）',
      'user.password_change': '修改密码',
      'user.password_change_failed': '修改密码失败',
      'user.password_reset': '重置密码',
      'user.disable': '停用账号',
      'user.enable': '启用账号',
    },
    auditVerbs: {
      'session.login': '登录了系统',
      'session.login_failed': '登录失败',
      'session.logout': '退出了登录',
      'user.create': '新建了',
      'user.grant': '授予了角色给',
      'user.revoke': '撤销了角色：',
      'user.delete': '删除了',
      'user.passwd': '在命令行修改了密码：',
      'user.password_change': '修改了自己的密码',
      'user.password_change_failed': '修改密码失败（当前密码错误）',
      'user.password_reset': '重置了密码：',
      'user.disable': '停用了',
      'user.enable': '启用了',
    },
    recordTypes: { user: '账号' },
    // Roles (docs/SECURITY.md). The API returns role_label with every grant; this table
    // is for choosing a role (account management) before there is a grant to read.
    roles: {
      resident: '居民',
      grid_worker: '网格员',
      party_member: '党员',
      volunteer: '志愿者',
      community_staff: '社区工作者',
      community_admin: '社区书记',
      unit_contact: '共建单位联络人',
      property: '物业',
      department: '职能部门',
      street_supervisor: '街道管理员',
      system_admin: '系统管理员',
    },
  },
}
