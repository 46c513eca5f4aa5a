package sitegen

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	utc8 := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, Shanghai)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-12-05", utc8(2026, 12, 5, 0, 0, 0)},
		{"2026-12-05 14:00", utc8(2026, 12, 5, 14, 0, 0)},
		{"2026-12-05T14:00", utc8(2026, 12, 5, 14, 0, 0)},
		{"2026-12-05 14:00:30", utc8(2026, 12, 5, 14, 0, 30)},
		{"2026-12-05T14:00:30", utc8(2026, 12, 5, 14, 0, 30)},
		{"2026-12-05T06:00:00Z", utc8(2026, 12, 5, 14, 0, 0)},
		{"2026-12-05T14:00:00+08:00", utc8(2026, 12, 5, 14, 0, 0)},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err != nil || !got.Equal(tt.want) || got.Location() != Shanghai {
			t.Errorf("ParseDate(%q) = %v, %v; want %v in Asia/Shanghai", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "2026-13-05", "2026/12/05", "2026-12-05 25:00", "12月5日", "2026-12-05 14:00 +0800"} {
		if got, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, got)
		}
	}
}

func TestNewDateFormats(t *testing.T) {
	d := newDate(time.Date(2026, 12, 5, 6, 30, 0, 0, time.UTC)) // 14:30 in Beijing, a Saturday
	want := Date{Time: d.Time, ISO: "2026-12-05T14:30:00+08:00", CNDate: "2026年12月5日", CNWeekday: "星期六", CNTime: "14:30"}
	if d != want {
		t.Errorf("got %+v, want %+v", d, want)
	}
}
