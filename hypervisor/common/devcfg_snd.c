/*
 * Sound cards (vsnd) of a guest config: a card is a list of items, each
 * "CARD|PCM|STREAM, KEY=VALUE, ...".  The items build the tree the store
 * will hold (card, its PCMs, their streams); every level may narrow the
 * stream parameters (rates, formats, channels, buffer size) of the level
 * above, never widen them.  Items are checked as they come: a CARD item
 * must be first and a PCM precedes its streams, so the levels above an
 * item are complete when it is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devcfg_int.h"
#include "pvkit/sndif.h"

_Static_assert(DEVCFG_NFORMATS == PV_SNDIF_NFORMATS, "one format table");

#define N(a) (sizeof(a) / sizeof((a)[0]))


/* libxl spells the float formats its own way (and only that way), so
 * configs written for xl use these; the store gets sndif's names. */
static const struct {
	const char *name;
	unsigned int format;
} aliases[] = {
    {"f32_le", XENSND_PCM_FORMAT_F32_LE},
    {"f32_be", XENSND_PCM_FORMAT_F32_BE},
    {"f64_le", XENSND_PCM_FORMAT_F64_LE},
    {"f64_be", XENSND_PCM_FORMAT_F64_BE},
};

const char *devcfg_format_name(unsigned int f)
{
	return pv_sndif_format_name(f);
}

static int format_from_name(const char *s)
{
	for (unsigned int i = 0; i < DEVCFG_NFORMATS; i++)
		if (!strcasecmp(s, pv_sndif_format_name(i)))
			return (int)i;
	for (unsigned int i = 0; i < N(aliases); i++)
		if (!strcasecmp(s, aliases[i].name))
			return (int)aliases[i].format;
	return -1;
}

/* ---- parameters every level takes --------------------------------------- */

/* Calls one(c, word, arg) for each ';'-separated word of v. */
static int each_word(struct pctx *c, const char *v,
		     int (*one)(struct pctx *, const char *, void *), void *arg)
{
	char *copy = strdup(v), *p, *semi;
	int rc = 0, words = 0;

	if (!copy)
		return -ENOMEM;
	for (p = copy; !rc && p; p = semi) {
		semi = strchr(p, ';');
		if (semi)
			*semi++ = '\0';
		p = trim(p);
		if (*p) {
			rc = one(c, p, arg);
			words++;
		}
	}
	free(copy);
	if (!rc && !words)
		rc = bad(c, "%s: empty list", c->cur);
	return rc;
}

static int one_rate(struct pctx *c, const char *w, void *arg)
{
	struct devcfg_snd_params *p = arg;
	uint32_t r;
	int rc = want_num(c, w, 1, DEVCFG_MAX_RATE, &r);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < p->n_rates; i++)
		if (p->rates[i] == r)
			return bad(c, "%s: %u is listed twice", c->cur, r);
	if (p->n_rates == DEVCFG_MAX_RATES)
		return bad(c, "%s: more than %d rates", c->cur,
			   DEVCFG_MAX_RATES);
	p->rates[p->n_rates++] = r;
	return 0;
}

static int one_format(struct pctx *c, const char *w, void *arg)
{
	struct devcfg_snd_params *p = arg;
	int f = format_from_name(w);

	if (f < 0)
		return bad(c,
			   "%s: unknown format '%s' (known: s8, u8, s16_le, "
			   "s16_be, u16_le, u16_be, s24_le, s24_be, u24_le, "
			   "u24_be, s32_le, s32_be, u32_le, u32_be, "
			   "float_le, float_be, float64_le, float64_be, "
			   "iec958_subframe_le, iec958_subframe_be, mu_law, "
			   "a_law, ima_adpcm, mpeg, gsm)",
			   c->cur, w);
	for (unsigned int i = 0; i < p->n_formats; i++)
		if (p->formats[i] == f)
			return bad(c, "%s: %s is listed twice", c->cur, w);
	p->formats[p->n_formats++] = (uint8_t)f;
	return 0;
}

static int set_rates(struct pctx *c, struct target *t, const char *v)
{
	return each_word(c, v, one_rate, t->params);
}

static int set_formats(struct pctx *c, struct target *t, const char *v)
{
	return each_word(c, v, one_format, t->params);
}

static int set_ch_min(struct pctx *c, struct target *t, const char *v)
{
	return want_num(c, v, 1, DEVCFG_MAX_CHANNELS, &t->params->channels_min);
}

static int set_ch_max(struct pctx *c, struct target *t, const char *v)
{
	return want_num(c, v, 1, DEVCFG_MAX_CHANNELS, &t->params->channels_max);
}

static int set_buffer(struct pctx *c, struct target *t, const char *v)
{
	return want_num(c, v, 1, DEVCFG_MAX_BUFFER, &t->params->buffer_size);
}

#define PARAM_KEYS                                                             \
	{XENSND_FIELD_SAMPLE_RATES, set_rates},                                \
	    {XENSND_FIELD_SAMPLE_FORMATS, set_formats},                        \
	    {XENSND_FIELD_CHANNELS_MIN, set_ch_min},                           \
	    {XENSND_FIELD_CHANNELS_MAX, set_ch_max},                           \
	{                                                                      \
		XENSND_FIELD_BUFFER_SIZE, set_buffer                           \
	}

/* ---- level-specific keys ------------------------------------------------ */

static int set_short(struct pctx *c, struct target *t, const char *v)
{
	return want_text(c, v, "", &t->dev->u.vsnd.short_name);
}

static int set_long(struct pctx *c, struct target *t, const char *v)
{
	return want_text(c, v, "", &t->dev->u.vsnd.long_name);
}

static int set_pcm_name(struct pctx *c, struct target *t, const char *v)
{
	return want_text(c, v, "", &t->pcm->name);
}

static int set_stream_id(struct pctx *c, struct target *t, const char *v)
{
	return want_text(c, v, "", &t->stream->unique_id);
}

static int set_stream_type(struct pctx *c, struct target *t, const char *v)
{
	if (strcmp(v, XENSND_STREAM_TYPE_PLAYBACK) &&
	    strcmp(v, XENSND_STREAM_TYPE_CAPTURE))
		return bad(c, "type: '%s': use p (playback) or c (capture)", v);
	t->stream->capture = !strcmp(v, XENSND_STREAM_TYPE_CAPTURE);
	return 0;
}

static const struct keydef card_keys[] = {
    {"backend", set_backend},
    {XENSND_FIELD_VCARD_SHORT_NAME, set_short},
    {XENSND_FIELD_VCARD_LONG_NAME, set_long},
    PARAM_KEYS,
};

static const struct keydef pcm_keys[] = {
    {XENSND_FIELD_DEVICE_NAME, set_pcm_name},
    PARAM_KEYS,
};

static const struct keydef stream_keys[] = {
    {XENSND_FIELD_STREAM_UNIQUE_ID, set_stream_id},
    {XENSND_FIELD_TYPE, set_stream_type},
    PARAM_KEYS,
};

/* ---- narrowing ---------------------------------------------------------- */

/* What the levels above allow: each level's own settings over its
 * parent's. */
static void overlay(struct devcfg_snd_params *eff,
		    const struct devcfg_snd_params *own)
{
	if (own->n_rates) {
		memcpy(eff->rates, own->rates, sizeof(eff->rates));
		eff->n_rates = own->n_rates;
	}
	if (own->n_formats) {
		memcpy(eff->formats, own->formats, sizeof(eff->formats));
		eff->n_formats = own->n_formats;
	}
	if (own->channels_min)
		eff->channels_min = own->channels_min;
	if (own->channels_max)
		eff->channels_max = own->channels_max;
	if (own->buffer_size)
		eff->buffer_size = own->buffer_size;
}

static int subset(struct pctx *c, const struct devcfg_snd_params *own,
		  const struct devcfg_snd_params *up, const char *above)
{
	for (unsigned int i = 0; up->n_rates && i < own->n_rates; i++) {
		unsigned int j = 0;

		while (j < up->n_rates && up->rates[j] != own->rates[i])
			j++;
		if (j == up->n_rates)
			return bad(c,
				   "sample-rates: %u is not among the rates "
				   "of %s",
				   own->rates[i], above);
	}
	for (unsigned int i = 0; up->n_formats && i < own->n_formats; i++) {
		unsigned int j = 0;

		while (j < up->n_formats && up->formats[j] != own->formats[i])
			j++;
		if (j == up->n_formats)
			return bad(c,
				   "sample-formats: %s is not among the "
				   "formats of %s",
				   pv_sndif_format_name(own->formats[i]), above);
	}
	if (own->channels_min && up->channels_min &&
	    own->channels_min < up->channels_min)
		return bad(c, "channels-min: %u is below %s's %u",
			   own->channels_min, above, up->channels_min);
	if (own->channels_max && up->channels_max &&
	    own->channels_max > up->channels_max)
		return bad(c, "channels-max: %u is above %s's %u",
			   own->channels_max, above, up->channels_max);
	if (own->buffer_size && up->buffer_size &&
	    own->buffer_size > up->buffer_size)
		return bad(c, "buffer-size: %u is above %s's %u",
			   own->buffer_size, above, up->buffer_size);
	return 0;
}

/* own fits in up (NULL for the card), and the result is a range. */
static int check_level(struct pctx *c, const struct devcfg_snd_params *own,
		       const struct devcfg_snd_params *up, const char *above)
{
	struct devcfg_snd_params eff;
	int rc = up ? subset(c, own, up, above) : 0;

	if (rc)
		return rc;
	if (up)
		eff = *up;
	else
		memset(&eff, 0, sizeof(eff));
	overlay(&eff, own);
	if (eff.channels_min && eff.channels_max &&
	    eff.channels_min > eff.channels_max)
		return bad(c, "channels-min %u is above channels-max %u",
			   eff.channels_min, eff.channels_max);
	return 0;
}

/* ---- items -------------------------------------------------------------- */

static void place(struct pctx *c, const char *card, int pcm, int stream)
{
	int n = snprintf(c->where, sizeof(c->where), "%s", card);

	if (pcm >= 0 && n >= 0 && (size_t)n < sizeof(c->where))
		n += snprintf(c->where + n, sizeof(c->where) - (size_t)n,
			      "%spcm %d", *card ? ", " : "", pcm);
	if (stream >= 0 && n >= 0 && (size_t)n < sizeof(c->where))
		snprintf(c->where + n, sizeof(c->where) - (size_t)n,
			 ", stream %d", stream);
}

static int item_card(struct pctx *c, char *rest, unsigned int index,
		     struct devcfg_dev *dev)
{
	struct target t = {.dev = dev, .params = &dev->u.vsnd.params};
	int rc;

	if (index != 0)
		return bad(c, "item %u: CARD must be the first item", index);
	rc = apply(c, rest, card_keys, N(card_keys), &t);
	return rc ? rc : check_level(c, t.params, NULL, NULL);
}

static int pcm_has_streams(struct pctx *c, const struct devcfg_vsnd *s)
{
	if (s->n_pcms && s->pcms[s->n_pcms - 1].n_streams == 0)
		return bad(c, "pcm %u has no STREAM item", s->n_pcms - 1);
	return 0;
}

static int item_pcm(struct pctx *c, const char *card, char *rest,
		    struct devcfg_dev *dev)
{
	struct devcfg_vsnd *s = &dev->u.vsnd;
	struct target t = {.dev = dev};
	int rc = pcm_has_streams(c, s);

	if (rc)
		return rc;
	if (s->n_pcms == DEVCFG_MAX_PCMS)
		return bad(c, "more than %d PCMs", DEVCFG_MAX_PCMS);
	t.pcm = &s->pcms[s->n_pcms++];
	t.params = &t.pcm->params;
	place(c, card, (int)s->n_pcms - 1, -1);
	rc = apply(c, rest, pcm_keys, N(pcm_keys), &t);
	return rc ? rc : check_level(c, t.params, &s->params, "the card");
}

static int unique_stream(struct pctx *c, const struct devcfg_vsnd *s,
			 const struct devcfg_snd_stream *st)
{
	for (unsigned int p = 0; p < s->n_pcms; p++)
		for (unsigned int i = 0; i < s->pcms[p].n_streams; i++)
			if (&s->pcms[p].streams[i] != st &&
			    !strcmp(s->pcms[p].streams[i].unique_id,
				    st->unique_id))
				return bad(c,
					   "unique-id: '%s' is used by pcm "
					   "%u, stream %u too",
					   st->unique_id, p, i);
	return 0;
}

static int item_stream(struct pctx *c, const char *card, char *rest,
		       struct devcfg_dev *dev)
{
	struct devcfg_vsnd *s = &dev->u.vsnd;
	struct target t = {.dev = dev};
	struct devcfg_snd_params up = s->params;
	int rc;

	if (s->n_pcms == 0) /* as xl: a nameless PCM holds it */
		s->n_pcms = 1;
	t.pcm = &s->pcms[s->n_pcms - 1];
	if (t.pcm->n_streams == DEVCFG_MAX_STREAMS)
		return bad(c, "pcm %u: more than %d STREAMs", s->n_pcms - 1,
			   DEVCFG_MAX_STREAMS);
	t.stream = &t.pcm->streams[t.pcm->n_streams++];
	t.params = &t.stream->params;
	place(c, card, (int)s->n_pcms - 1, (int)t.pcm->n_streams - 1);
	rc = apply(c, rest, stream_keys, N(stream_keys), &t);
	if (rc)
		return rc;
	if (!t.stream->unique_id)
		return bad(c, "unique-id missing: every stream needs one");
	if (!given(&t, stream_keys, N(stream_keys), XENSND_FIELD_TYPE))
		return bad(c, "type missing: type=p (playback) or type=c "
			      "(capture)");
	overlay(&up, &t.pcm->params);
	rc = check_level(c, t.params, &up, "its pcm");
	return rc ? rc : unique_stream(c, s, t.stream);
}

static int one_item(struct pctx *c, const char *card, const char *item,
		    unsigned int index, struct devcfg_dev *dev)
{
	char *copy = strdup(item), *rest, *head;
	int rc;

	if (!copy)
		return -ENOMEM;
	head = first_word(copy, &rest);
	snprintf(c->where, sizeof(c->where), "%s", card);
	if (!strcasecmp(head, "card"))
		rc = item_card(c, rest, index, dev);
	else if (!strcasecmp(head, "pcm"))
		rc = item_pcm(c, card, rest, dev);
	else if (!strcasecmp(head, "stream"))
		rc = item_stream(c, card, rest, dev);
	else
		rc = bad(c,
			 "item %u: '%s': an item starts with CARD, PCM or "
			 "STREAM",
			 index, head);
	free(copy);
	return rc;
}

int parse_vsnd(struct pctx *c, const char *const *items, const int *lines,
	       unsigned int n, struct devcfg_dev *dev)
{
	struct devcfg_vsnd *s = &dev->u.vsnd;
	char card[sizeof(c->where)];
	int rc = 0;

	snprintf(card, sizeof(card), "%s", c->where);
	s->pcms = calloc(DEVCFG_MAX_PCMS, sizeof(*s->pcms));
	if (!s->pcms)
		return -ENOMEM;
	for (unsigned int i = 0; i < n && !rc; i++) {
		if (lines)
			c->line = lines[i];
		rc = one_item(c, card, items[i], i, dev);
	}
	snprintf(c->where, sizeof(c->where), "%s", card);
	if (!rc && s->n_pcms == 0)
		rc = bad(c, "a sound card needs a STREAM item");
	if (!rc)
		rc = pcm_has_streams(c, s);
	return rc;
}

void release_vsnd(struct devcfg_vsnd *s)
{
	free(s->short_name);
	free(s->long_name);
	for (unsigned int p = 0; s->pcms && p < s->n_pcms; p++) {
		free(s->pcms[p].name);
		for (unsigned int i = 0; i < s->pcms[p].n_streams; i++)
			free(s->pcms[p].streams[i].unique_id);
	}
	free(s->pcms);
}
