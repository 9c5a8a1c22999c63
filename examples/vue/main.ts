// Registers the crm-* tags before Vue renders, so Vue sets their properties rather than attributes.
import '@crmkit/elements/define';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).mount('#app');
