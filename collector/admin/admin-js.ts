// The admin's one client script (served from /admin/assets/admin.js; the CSP refuses inline code).
// Everything works without it; it only adds conveniences.
export const ADMIN_JS = `(function(){
'use strict';
document.addEventListener('click',function(e){
  var b=e.target&&e.target.closest&&e.target.closest('[data-copy]');
  if(!b)return;
  var src=document.getElementById(b.getAttribute('data-copy'));
  if(!src||!navigator.clipboard)return;
  navigator.clipboard.writeText(src.value||src.textContent||'').then(function(){
    var old=b.textContent;b.textContent='Copied';setTimeout(function(){b.textContent=old;},1500);
  },function(){});
});
})();
`;
