// A file of its own, not an inline <script>: the demo's Content-Security-Policy allows scripts from 'self' only.
ImageChat.attach(document.getElementById('plan'), { tenantId: 'demo', urlId: 'demo-floor-plan', locale: 'nl' });
