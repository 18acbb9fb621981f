// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { configure } from '@testing-library/react';

// findBy*/waitFor give up after 1 s by default; on a loaded CI machine the first render of a page with
// @grafana/ui takes longer. The wait still ends as soon as the element appears.
configure({ asyncUtilTimeout: 30_000 });

// jsdom has no IntersectionObserver; @grafana/ui's scroll indicators (inside Select menus) use it.
// Nothing in our tests depends on what it reports, so an observer that never fires is enough.
if (typeof global.IntersectionObserver === 'undefined') {
  global.IntersectionObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
}

// jsdom has no ResizeObserver either; @grafana/ui's Drawer title (TruncatedText) uses it. Same reasoning.
if (typeof global.ResizeObserver === 'undefined') {
  global.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
