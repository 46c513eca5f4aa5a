package sitegen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/tools/txtar"
)

// testNow is the build clock of every test: 2026-11-27 10:00 in Shanghai.
var testNow = time.Date(2026, 11, 27, 10, 0, 0, 0, Shanghai)

// fixture is a small whole site in one txtar archive (content/ and templates/).
const fixture = `
-- content/config.yaml --
title: 测试联盟
description: 测试站点
baseURL: https://test.example/
icp: 京ICP备12345678号
contact: {phone: 010-68200012, email: office@test.example}
paginate: 2
menu:
  - {name: 活动, url: /events/}
  - {name: 关于, url: /about/}
eventKinds:
  - {slug: salon, name: 投融资沙龙}
  - {slug: lecture, name: 公益大讲堂}
memberKinds:
  - {slug: enterprise, name: 企业会员}
  - {slug: group, name: 团体会员}
industries:
  - {slug: it, name: 信息技术}
  - {slug: finance, name: 金融服务}
-- content/_index.md --
---
title: 首页
---
欢迎访问。
-- content/about.md --
---
title: 关于我们
summary: 关于联盟
aliases: [/old-about/]
toc: true
---
## 第一章 总则

中小企业上市服务联盟是由中
小企业合作发展促进中心发起的组织。

## 组织 {#org}

| 机构 | 职责 |
| --- | --- |
| 理事会 | 决策 |

注释[^1]……见[活动](/events/#upcoming)与[总则](#第一章-总则)。

[^1]: 脚注内容。
-- content/404.md --
---
title: 未找到
---
页面不存在。
-- content/events/_index.md --
---
title: 活动
---
-- content/events/past.md --
---
title: 往期沙龙
date: 2026-09-01
start: 2026-10-01 14:00
end: 2026-10-01 17:00
city: 深圳
venue: 南山区会议中心
kind: salon
register: 致电报名
summary: 已经举办的沙龙
---
往期活动正文。
-- content/events/soon.md --
---
title: 公益大讲堂——走进合肥：专精特新企业的资本市场之路，北交所上市条件与审核要点；案例分享
date: 2026-11-01
start: 2026-12-05 14:00
end: 2026-12-05 17:30
city: 安徽合肥
venue: 政务中心, 三楼; 会议室
kind: lecture
register: 免费参加
summary: 即将举行的大讲堂
---
大讲堂正文，[详情](/about/#org)。
-- content/events/later.md --
---
title: 明年沙龙
date: 2026-11-20
start: 2027-01-10 09:00
city: 上海
kind: salon
---
明年活动正文。
-- content/events/draft.md --
---
title: 草稿活动
draft: true
start: 2027-02-01 09:00
city: 北京
kind: salon
---
草稿。
-- content/events/future.md --
---
title: 尚未发布
date: 2026-12-20
start: 2027-03-01 09:00
city: 北京
kind: salon
---
未来发布。
-- content/events/expired.md --
---
title: 已过期
date: 2026-01-01
expiryDate: 2026-11-01
start: 2026-02-01 09:00
city: 北京
kind: salon
---
已过期。
-- content/members/_index.md --
---
title: 会员风采
---
-- content/members/acme.md --
---
title: 示例科技
name: 示例科技有限公司
kind: enterprise
industry: it
region: 北京
joined: 2024
website: https://acme.example/
sample: true
---
会员介绍。
-- content/members/assoc.md --
---
title: 示例协会
name: 示例协会
kind: group
industry: 金融服务
region: 上海
joined: 2023
sample: true
---
协会介绍。
-- content/news/_index.md --
---
title: 新闻
---
-- content/news/one.md --
---
title: 第一条新闻
date: 2026-11-02
---
新闻正文。

## 小标题

没有 toc: true，就没有目录。
-- templates/base.html --
<!doctype html>
<html lang="zh-CN"><head><title>{{block "title" .}}{{.Page.Title}}{{end}}</title>
<link rel="canonical" href="{{.Canonical}}"><link rel="stylesheet" href="{{asset "site.css"}}">
{{range .Feeds}}<link rel="alternate" type="{{.Type}}" href="{{absURL .URL}}">
{{end}}</head>
<body><nav>{{range .Site.Config.Menu}}<a href="{{.URL}}">{{.Name}}</a> {{end}}</nav>
<main id="main">{{block "main" .}}<h1>{{.Page.Title}}</h1>{{.Page.Content}}{{end}}</main>
<footer>{{.Site.Config.ICP}}</footer></body></html>
-- templates/single.html --
{{define "main"}}<h1>{{.Page.Title}}</h1>{{range .Page.TOC}}<a href="#{{.ID}}">{{.Text}}</a>{{end}}{{.Page.Content}}{{end}}
-- templates/home.html --
{{define "main"}}<h1>{{.Site.Config.Title}}</h1>{{range .Site.UpcomingEvents 2}}<a href="{{.URL}}">{{.Title}}</a>{{end}}{{end}}
-- templates/list.html --
{{define "main"}}<h1>{{.Page.Title}}</h1>{{range .Pager.Items}}<a href="{{.URL}}">{{.Title}}</a>{{end}}{{end}}
-- templates/events-list.html --
{{define "main"}}<h1 id="upcoming">{{.Page.Title}}</h1>{{range .Pager.Items}}<p class="{{if .Upcoming $.Site.Now}}up{{else}}past{{end}}"><a href="{{.URL}}">{{.Title}}</a></p>{{end}}{{with .Pager.NextURL}}<a href="{{.}}">下一页</a>{{end}}{{end}}
-- templates/events-single.html --
{{define "main"}}<h1>{{.Page.Title}}</h1><p>{{cndate .Page.Start.Time}} {{weekday .Page.Start.Time}} {{cntime .Page.Start.Time}} {{.Page.City}} {{eventKind .Page.Kind}}</p><a href="{{.Page.URL}}event.ics">ics</a>{{.Page.Content}}{{end}}
-- templates/members-list.html --
{{define "main"}}<h1>{{.Page.Title}}</h1>{{range .Pager.Items}}<a href="{{.URL}}">{{.Name}}</a>{{end}}{{end}}
-- templates/404.html --
{{define "main"}}<h1>404</h1>{{.Page.Content}}{{end}}
-- templates/assets/site.css --
body { color: #222; }
`

// fixtureFS splits a txtar archive into the content and templates folders,
// applying edits (file → new text, "" deletes).
func fixtureFS(t testing.TB, archive string, edits map[string]string) (content, templates fstest.MapFS) {
	t.Helper()
	content, templates = fstest.MapFS{}, fstest.MapFS{}
	files := map[string]string{}
	for _, f := range txtar.Parse([]byte(archive)).Files {
		files[f.Name] = string(f.Data)
	}
	for k, v := range edits {
		if v == "" {
			delete(files, k)
		} else {
			files[k] = v
		}
	}
	for name, data := range files {
		switch {
		case strings.HasPrefix(name, "content/"):
			content[strings.TrimPrefix(name, "content/")] = &fstest.MapFile{Data: []byte(data)}
		case strings.HasPrefix(name, "templates/"):
			templates[strings.TrimPrefix(name, "templates/")] = &fstest.MapFile{Data: []byte(data)}
		default:
			t.Fatalf("fixture file %s is outside content/ and templates/", name)
		}
	}
	return content, templates
}

// renderFixture renders the fixture with edits applied.
func renderFixture(t testing.TB, edits map[string]string) (*Output, error) {
	t.Helper()
	c, tm := fixtureFS(t, fixture, edits)
	return NewBuilder(Options{Content: c, Templates: tm, Now: testNow}).Render(t.Context())
}

// moduleRoot is ALLIANCE_ROOT or the folder of go.mod above the working directory.
func moduleRoot(t testing.TB) string {
	t.Helper()
	if r := os.Getenv("ALLIANCE_ROOT"); r != "" {
		return r
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	t.Fatal("go.mod not found above the working directory; set ALLIANCE_ROOT")
	return ""
}

// renderRealSite renders the project's content/ and templates/ at testNow.
func renderRealSite(t testing.TB) *Output {
	t.Helper()
	root := moduleRoot(t)
	out, err := NewBuilder(Options{
		Content: os.DirFS(filepath.Join(root, "content")), Templates: os.DirFS(filepath.Join(root, "templates")),
		Now: testNow,
	}).Render(t.Context())
	if err != nil {
		t.Fatalf("render content/: %v", err)
	}
	return out
}
