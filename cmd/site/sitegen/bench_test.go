package sitegen

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/smelisting/alliance/cmd/site/searchindex"
	"github.com/smelisting/alliance/cmd/site/sitewriter"
)

// phrases are realistic Chinese sentences the synthetic site is made of.
var phrases = []string{
	"联盟的宗旨是为实现整合、协调行业资源和社会资源，提升企业上市融资的服务水平。",
	"促进联盟会员单位的资源使用效率，加强联盟会员的信息交流，提高会员风险防范能力。",
	"打造为中小企业上市融资一站式服务平台，实现资源共享，信息共享，行业自律，互惠互利。",
	"本期活动邀请证券公司、会计师事务所和律师事务所的专家，围绕注册制下的上市路径展开讲解。",
	"拟上市企业应重视规范治理与财务内控，提前规划股权结构与激励方案。",
	"会后设一对一咨询环节，企业可预约与专家交流融资与上市问题。",
	"指导全国专精特新（小巨人）相关企业加强品牌建设、人才队伍建设，提高企业自主创新能力。",
	"联合各省（市）、培训机构、企业家、行业协会，开展上市专业人才培养。",
	"公司主要产品覆盖智能装备、工业软件与系统集成，服务汽车零部件与电子制造企业。",
	"会议讨论了未来工作安排，并对会员服务提出了具体要求。",
}

var cities = []string{"北京", "上海", "广东深圳", "浙江杭州", "江苏苏州", "四川成都", "安徽合肥", "湖北武汉", "山东济南", "天津"}

// synthText returns n paragraphs of hard-wrapped Chinese text with a heading and a list.
func synthText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i == 1 {
			fmt.Fprintf(&b, "## 第%d部分\n\n", i)
		}
		for j := 0; j < 3; j++ {
			p := phrases[r.IntN(len(phrases))]
			rs := []rune(p)
			cut := len(rs) / 2
			b.WriteString(string(rs[:cut]) + "\n" + string(rs[cut:]))
		}
		b.WriteString("\n\n")
	}
	b.WriteString("- 活动时间与地点以报名确认为准；\n- 详情请见[联盟章程](/charter/#article-10)。\n")
	return b.String()
}

// synthSite returns the project's content and templates plus nEvents events,
// nMembers members and nNews news items, deterministic for a seed.
func synthSite(tb testing.TB, nEvents, nMembers, nNews int) (content, templates fstest.MapFS) {
	tb.Helper()
	root := moduleRoot(tb)
	content, templates = fstest.MapFS{}, fstest.MapFS{}
	for dir, m := range map[string]fstest.MapFS{"content": content, "templates": templates} {
		base := filepath.Join(root, dir)
		err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(base, p)
			m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"lecture", "salon", "training", "visit", "assembly", "incubator"}
	industries := []string{"manufacturing", "biotech", "newenergy", "it", "agriculture", "finance", "consumer", "association"}
	base := time.Date(2024, 1, 1, 9, 0, 0, 0, Shanghai)
	for i := 0; i < nEvents; i++ {
		start := base.Add(time.Duration(r.IntN(3*365*24)) * time.Hour)
		content[fmt.Sprintf("events/synth-%05d.md", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			"---\ntitle: 第 %d 期%s活动\ndate: %s\nstart: %s\nend: %s\ncity: %s\nvenue: 会议中心 %d 号厅\nkind: %s\nregister: 请致电秘书处报名\nsummary: %s\n---\n\n%s",
			i, cities[i%len(cities)], base.Format("2006-01-02"), start.Format("2006-01-02 15:04"), start.Add(3*time.Hour).Format("2006-01-02 15:04"),
			cities[r.IntN(len(cities))], i%20, kinds[i%len(kinds)], phrases[i%len(phrases)], synthText(r, 4)))}
	}
	for i := 0; i < nMembers; i++ {
		kind := "enterprise"
		if i%5 == 0 {
			kind = "group"
		}
		content[fmt.Sprintf("members/synth-%05d.md", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			"---\ntitle: 示例会员 %d\nname: %s示例科技有限公司 %d\nkind: %s\nindustry: %s\nregion: %s\njoined: %d\nsummary: %s\nsample: true\n---\n\n%s",
			i, cities[i%len(cities)], i, kind, industries[i%len(industries)], cities[i%len(cities)], 2022+i%4, phrases[i%len(phrases)], synthText(r, 2)))}
	}
	for i := 0; i < nNews; i++ {
		day := base.AddDate(0, 0, r.IntN(1000))
		content[fmt.Sprintf("news/synth-%05d.md", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			"---\ntitle: 联盟动态第 %d 号\ndate: %s\nsummary: %s\n---\n\n%s",
			i, day.Format("2006-01-02"), phrases[i%len(phrases)], synthText(r, 3)))}
	}
	return content, templates
}

// The 10,000-page site: 3,500 events, 2,500 members and 3,000 news items
// plus their list, filter and pagination pages.
const benchEvents, benchMembers, benchNews = 3500, 2500, 3000

// cpuTime is the user and system CPU time of the process so far: on a
// shared machine it says more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeak starts a new peak for vmHWM (Linux: clear_refs 5 resets the
// peak resident set size), so that each benchmark reports its own.
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// vmHWM is the peak resident set size of the process in MB.
func vmHWM() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// measure starts the timed part of a benchmark after a GC and with a new
// memory peak. The function it returns stops the timer and reports CPU
// time per op, peak memory and, for pages > 0, the pages and ms per page.
func measure(b *testing.B) (done func(pages int)) {
	runtime.GC()
	resetPeak()
	cpu0 := cpuTime()
	b.ResetTimer()
	return func(pages int) {
		b.StopTimer()
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		if pages > 0 {
			b.ReportMetric(float64(pages), "pages")
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/float64(pages), "ms/page")
		}
		b.ReportMetric(vmHWM(), "peakMB")
	}
}

// BenchmarkBuild10k renders the synthetic site from scratch (a new
// Builder each time) and writes it to disk as a rebuild does: into the
// build before last, swapped in (see siteWriter).
func BenchmarkBuild10k(b *testing.B) {
	c, tm := synthSite(b, benchEvents, benchMembers, benchNews)
	out := filepath.Join(b.TempDir(), "site")
	var sum Summary
	// Two builds first, so that the timed ones rewrite the build before
	// last in place as every rebuild does (see siteWriter).
	for i := 0; i < 2; i++ {
		if _, err := Build(b.Context(), Options{Content: c, Templates: tm, Now: testNow, OutDir: out}); err != nil {
			b.Fatal(err)
		}
	}
	done := measure(b)
	for i := 0; i < b.N; i++ {
		var err error
		sum, err = Build(b.Context(), Options{Content: c, Templates: tm, Now: testNow, OutDir: out})
		if err != nil {
			b.Fatal(err)
		}
	}
	done(sum.Pages)
}

// BenchmarkBuild10kEmpty is a first build: every file and folder new. On
// ext4 its time depends on how many files were deleted in the last minutes
// (see siteWriter), so later runs of a -count series are slower.
func BenchmarkBuild10kEmpty(b *testing.B) {
	c, tm := synthSite(b, benchEvents, benchMembers, benchNews)
	dir := b.TempDir()
	var sum Summary
	done := measure(b)
	for i := 0; i < b.N; i++ {
		var err error
		out := filepath.Join(dir, strconv.Itoa(i), "site") // nothing deleted before: see siteWriter
		sum, err = Build(b.Context(), Options{Content: c, Templates: tm, Now: testNow, OutDir: out})
		if err != nil {
			b.Fatal(err)
		}
	}
	done(sum.Pages)
}

// BenchmarkRender10k renders the synthetic site in memory (what serve does first).
func BenchmarkRender10k(b *testing.B) {
	c, tm := synthSite(b, benchEvents, benchMembers, benchNews)
	var pages int
	done := measure(b)
	for i := 0; i < b.N; i++ {
		out, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow}).Render(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		pages = out.Summary.Pages
	}
	done(pages)
}

// BenchmarkWrite10k writes the rendered synthetic site to disk and swaps
// it in (the part of BenchmarkBuild10k that BenchmarkRender10k leaves out;
// Build overlaps the two).
func BenchmarkWrite10k(b *testing.B) {
	c, tm := synthSite(b, benchEvents, benchMembers, benchNews)
	out, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow}).Render(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), "site")
	write := func() {
		w, err := sitewriter.New(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.WriteAll(b.Context(), out.Files, nil); err != nil {
			b.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	write() // twice, as in BenchmarkBuild10k
	write()
	done := measure(b)
	for i := 0; i < b.N; i++ {
		write()
	}
	done(0)
	b.ReportMetric(float64(len(out.Files)), "files")
}

// BenchmarkRebuildOneFile is serve's rebuild after one content file changed.
func BenchmarkRebuildOneFile(b *testing.B) {
	c, tm := synthSite(b, benchEvents, benchMembers, benchNews)
	bl := NewBuilder(Options{Content: c, Templates: tm, Now: testNow})
	if _, err := bl.Render(b.Context()); err != nil {
		b.Fatal(err)
	}
	name := "events/synth-00042.md"
	orig := c[name].Data
	done := measure(b)
	for i := 0; i < b.N; i++ {
		c[name] = &fstest.MapFile{Data: append(append([]byte{}, orig...), []byte(fmt.Sprintf("\n修改 %d\n", i))...)}
		if _, err := bl.RenderChanged(b.Context(), []string{name}); err != nil {
			b.Fatal(err)
		}
	}
	done(0)
}

// BenchmarkSearchIndex10k builds the synthetic site with and without the
// search index, in turns (each into a folder of its own, twice first as
// BenchmarkBuild10k does), and reports the ratio of their CPU and wall
// times (the budget of issue 16 is 1.20; on a shared machine the CPU
// time says more), then the bytes the first page of results of a few
// searches downloads from its index (searchindex.Search reads it as
// search.js does; the budget is 150 KB).
func BenchmarkSearchIndex10k(b *testing.B) {
	c, tm := synthSite(b, benchEvents, benchMembers, benchNews)
	dir := b.TempDir()
	build := func(noIndex bool) (wall, cpu time.Duration) {
		runtime.GC()
		start, cpu0 := time.Now(), cpuTime()
		out := filepath.Join(dir, strconv.FormatBool(noIndex), "site")
		if _, err := Build(b.Context(), Options{Content: c, Templates: tm, Now: testNow, OutDir: out, noSearchIndex: noIndex}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start), cpuTime() - cpu0
	}
	for range 2 {
		build(false)
		build(true)
	}
	var with, without, cpuWith, cpuWithout time.Duration
	b.ResetTimer()
	for range b.N {
		w, c := build(false)
		with, cpuWith = with+w, cpuWith+c
		w, c = build(true)
		without, cpuWithout = without+w, cpuWithout+c
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuWith)/float64(cpuWithout), "cpu-ratio")
	b.ReportMetric(float64(with)/float64(without), "ratio")
	b.ReportMetric(float64(cpuWith.Milliseconds())/float64(b.N), "cpu-ms-with")
	b.ReportMetric(float64(cpuWithout.Milliseconds())/float64(b.N), "cpu-ms-without")
	out, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow}).Render(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	var most float64
	for _, q := range []string{"上市融资", "律师事务所", "第 1234 期", "示例科技有限公司 2345", "会费", "北交所", "苏州",
		"第 9999 期", "示例科技有限公司 99999", "1 2 3 4 5 6 7 8 9"} { // the last three: few or no results, many candidates
		read := func(name string) ([]byte, error) { return out.Files[searchDir+name], nil }
		found, files, err := searchindex.Search(read, q)
		if err != nil {
			b.Fatal(err)
		}
		size := 0
		for _, f := range files {
			size += len(out.Files[searchDir+f])
		}
		b.Logf("search %q: %d results, %d files, %.1f KB", q, len(found), len(files), float64(size)/1024)
		most = max(most, float64(size)/1024)
	}
	b.ReportMetric(most, "search-KB-max")
}
