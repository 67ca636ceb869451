import { describe, expect, it } from 'vitest';
import { dropCssImports, holdBackCssUrls, isRemoteUrl, srcsetHasRemote } from './remote-content.js';

describe('remote content in mail', () => {
  it('tells internet addresses from pictures carried in the mail', () => {
    expect(isRemoteUrl('https://track.example/p.gif')).toBe(true);
    expect(isRemoteUrl('HTTP://track.example/p.gif')).toBe(true);
    expect(isRemoteUrl('//track.example/p.gif')).toBe(true);
    expect(isRemoteUrl(' h\tttps://track.example/p.gif')).toBe(true);
    expect(isRemoteUrl('data:image/png;base64,iVBOR')).toBe(false);
    expect(isRemoteUrl('cid:part1.ABC@lakeside')).toBe(false);
    expect(isRemoteUrl('blob:http://127.0.0.1/uuid')).toBe(false);
    expect(isRemoteUrl(null)).toBe(false);
    expect(srcsetHasRemote('data:image/png;base64,AA 1x, https://cdn.example/a@2x.png 2x')).toBe(true);
    expect(srcsetHasRemote('data:image/png;base64,AA 1x')).toBe(false);
  });

  it('holds back remote CSS url() in every spelling, and @import always', () => {
    const css = `.a{background:url(https://t.example/a.png)} .b{background-image:url( "http://t.example/b.png" )} .c{background:url('//t.example/c.png')} .d{background:url(\\68ttp://t.example/d.png)} @import url("https://t.example/x.css"); .e{background:url(data:image/png;base64,AAAA)}`;
    const held = holdBackCssUrls(css);
    expect(held.removed).toBe(5);
    expect(held.css).not.toMatch(/t\.example/u);
    expect(held.css).toContain('url(data:image/png;base64,AAAA)');
    // A relative path or a javascript: address is dropped without counting as a picture.
    expect(holdBackCssUrls('.f{background:url(/desk/secret.png)} .g{x:url(javascript:void0)}')).toEqual({ css: '.f{background:none} .g{x:none}', removed: 0 });
    expect(holdBackCssUrls('.h{background-image:-webkit-image-set("https://t.example/h.png" 1x, "https://t.example/h2.png" 2x)} .i{background-image:image-set("data:image/png;base64,AA" 1x)}')).toEqual({
      css: '.h{background-image:none} .i{background-image:image-set("data:image/png;base64,AA" 1x)}',
      removed: 1,
    });
    expect(dropCssImports('@import "https://t.example/x.css"; p{color:red}')).toBe(' p{color:red}');
  });
});
