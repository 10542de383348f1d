package reviews

import (
	"regexp"
	"unicode"

	goaway "github.com/TwiN/go-away"
)

// checker is the automatic pre-publication check: profanity from a maintained word list
// (github.com/TwiN/go-away: its dictionary with false positives and leetspeak handling) and
// three signs of spam. A flagged review is not refused: it waits, pending, for a moderator,
// because a word list is wrong often enough that a person should decide.
type checker struct {
	profanity *goaway.ProfanityDetector
}

// newChecker builds the detector once: go-away's package-level functions initialise a
// shared detector lazily, which is not safe for concurrent first use.
func newChecker() *checker {
	return &checker{profanity: goaway.NewProfanityDetector()}
}

// Limits of the spam signs: a review that links out more than once, shouts, or repeats one
// character at length is held for a person.
const (
	maxLinks      = 1
	maxRun        = 8
	shoutMinChars = 40
	shoutShare    = 0.7
)

var linkPattern = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+`)

// flag returns why the texts need a moderator ("" when they may be published): the first
// sign found, never the offending words themselves (the reason is stored and shown).
func (c *checker) flag(texts ...string) string {
	for _, t := range texts {
		if c.profanity.IsProfane(t) {
			return "profanity"
		}
	}
	for _, t := range texts {
		switch {
		case len(linkPattern.FindAllStringIndex(t, maxLinks+1)) > maxLinks:
			return "spam: links"
		case longestRun(t) > maxRun:
			return "spam: repeated characters"
		case shouting(t):
			return "spam: shouting"
		}
	}
	return ""
}

// longestRun is the length of the longest run of one repeated non-space character.
func longestRun(s string) int {
	best, run := 0, 0
	var prev rune
	for _, r := range s {
		if r == prev && !unicode.IsSpace(r) {
			run++
		} else {
			run = 1
		}
		prev = r
		best = max(best, run)
	}
	return best
}

// shouting: a long text whose letters are mostly upper case.
func shouting(s string) bool {
	letters, upper := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters >= shoutMinChars && float64(upper) >= shoutShare*float64(letters)
}
