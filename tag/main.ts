// The IIFE served as /v1/tag.js.
import { install } from './install';

try {
  install(window);
} catch {
  // never break the page
}
