/** The dashboard bundle (`/dashboard/dashboard.js`): registers `<dashboard-app>` and its parts. */
export { DashboardApp } from './dashboard-app.js';
export { UsageChart } from './usage-chart.js';
export { ModerationFeed } from './moderation-feed.js';
export { RulesPanel } from './rules-panel.js';
