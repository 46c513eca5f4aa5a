package sitegen

import (
	"encoding/xml"
	"fmt"

	"github.com/gorilla/feeds"
)

// encodeFeed writes f in the format named ("RSS", "Atom" or "JSON Feed")
// with the URL of the file it is published at, self: feed readers follow
// it when a feed moves, and the W3C feed validator asks for it. gorilla/feeds
// has no field for it, so the RSS and Atom feeds it makes are written
// through the small wrappers below, and the JSON feed gets its feed_url.
func encodeFeed(f *feeds.Feed, format, self string) ([]byte, error) {
	var s string
	var err error
	switch format {
	case "RSS":
		s, err = feeds.ToXML(&rssFeed{
			Version: "2.0", ContentNamespace: "http://purl.org/rss/1.0/modules/content/", AtomNamespace: "http://www.w3.org/2005/Atom",
			Channel: rssChannel{Self: rssAtomLink{Href: self, Rel: "self", Type: "application/rss+xml"}, RssFeed: (&feeds.Rss{Feed: f}).RssFeed()},
		})
	case "Atom":
		a := (&feeds.Atom{Feed: f}).AtomFeed()
		s, err = feeds.ToXML(&atomFeed{
			Links:    []feeds.AtomLink{{Href: a.Link.Href, Rel: "alternate", Type: "text/html"}, {Href: self, Rel: "self", Type: "application/atom+xml"}},
			AtomFeed: a,
		})
	case "JSON Feed":
		j := (&feeds.JSON{Feed: f}).JSONFeed()
		j.FeedUrl = self
		s, err = j.ToJSON()
	default:
		return nil, fmt.Errorf("unknown feed format %q", format)
	}
	return []byte(s), err
}

// rssFeed is gorilla/feeds' RssFeedXml with the Atom namespace, for the
// channel's atom:link to the feed itself.
type rssFeed struct {
	XMLName          xml.Name `xml:"rss"`
	Version          string   `xml:"version,attr"`
	ContentNamespace string   `xml:"xmlns:content,attr"`
	AtomNamespace    string   `xml:"xmlns:atom,attr"`
	Channel          rssChannel
}

// FeedXml returns the feed for feeds.ToXML.
func (r *rssFeed) FeedXml() any { return r }

// rssChannel is gorilla/feeds' channel with an atom:link first.
type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	Self    rssAtomLink
	*feeds.RssFeed
}

// rssAtomLink is an atom:link element of an RSS channel.
type rssAtomLink struct {
	XMLName xml.Name `xml:"atom:link"`
	Href    string   `xml:"href,attr"`
	Rel     string   `xml:"rel,attr"`
	Type    string   `xml:"type,attr"`
}

// atomFeed is gorilla/feeds' AtomFeed with a list of links where it has
// one: the page (alternate) and the feed itself (self, RFC 4287 4.2.7.2).
// Links, nearer the top, shadows the embedded Link in encoding/xml.
type atomFeed struct {
	XMLName xml.Name         `xml:"feed"`
	Links   []feeds.AtomLink `xml:"link"`
	*feeds.AtomFeed
}

// FeedXml returns the feed for feeds.ToXML.
func (a *atomFeed) FeedXml() any { return a }
