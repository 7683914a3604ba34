/*
 * Unit tests for the device keys of a guest config (hypervisor/common/
 * devcfg*.c), read through domcfg_parse() as pvhv reads a file, and
 * through devcfg_parse_spec() as hot plug does: every key of every type,
 * the messages (file, line, key, device), and hostile input.
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>

#include "domcfg.h"
#include "pvkit/proto/sndif.h"

#define HEAD "name = \"g\"\nkernel = \"/bin/true\"\n"

static char err[1024];

/* Parse HEAD + body as guest.cfg; returns domcfg_parse()'s result. */
static int parse(const char *body, struct domcfg *cfg)
{
	size_t len = strlen(HEAD) + strlen(body);
	char *text = malloc(len + 1);
	int rc;

	assert_non_null(text);
	snprintf(text, len + 1, HEAD "%s", body);
	err[0] = '\0';
	rc = domcfg_parse("guest.cfg", text, len, cfg, err, sizeof(err), NULL,
			  NULL);
	free(text);
	return rc;
}

static void ok(const char *body, struct domcfg *cfg)
{
	int rc = parse(body, cfg);

	if (rc)
		fail_msg("unexpected error: %s", err);
}

/* The parse fails and the message starts with want (then contains the
 * optional also). */
static void refused(const char *body, const char *want, const char *also)
{
	struct domcfg cfg;

	assert_int_equal(parse(body, &cfg), -EINVAL);
	if (strncmp(err, want, strlen(want)))
		fail_msg("message '%s' does not start with '%s'", err, want);
	if (also && !strstr(err, also))
		fail_msg("message '%s' lacks '%s'", err, also);
}

/* ---- vkb ---------------------------------------------------------------- */

static void vkb_every_key(void **state)
{
	struct domcfg cfg;
	struct devcfg_vkb *k;

	(void)state;
	ok("vkb = [ \"backend=Domain-0, backend-type=linux, unique-id=kbd0, "
	   "feature-disable-keyboard=1, feature-disable-pointer=0, "
	   "feature-abs-pointer=1, feature-raw-pointer=1, "
	   "feature-multi-touch=1, multi-touch-width=1024, "
	   "multi-touch-height=0x300, multi-touch-num-contacts=10, "
	   "width=800, height=600\", \"backend-type=qemu\" ]\n",
	   &cfg);
	assert_int_equal(cfg.devs.n, 2);
	assert_int_equal(cfg.devs.devs[0].type, DEVCFG_VKB);
	assert_int_equal(cfg.devs.devs[0].backend, 0);
	k = &cfg.devs.devs[0].u.vkb;
	assert_true(k->linux_backend);
	assert_string_equal(k->unique_id, "kbd0");
	assert_true(k->disable_keyboard);
	assert_false(k->disable_pointer);
	assert_true(k->abs_pointer && k->raw_pointer && k->multi_touch);
	assert_int_equal(k->mt_width, 1024);
	assert_int_equal(k->mt_height, 0x300);
	assert_int_equal(k->mt_contacts, 10);
	assert_int_equal(k->width, 800);
	assert_int_equal(k->height, 600);
	assert_string_equal(devcfg_backend_kind(&cfg.devs.devs[0]), "vinput");
	k = &cfg.devs.devs[1].u.vkb;
	assert_false(k->linux_backend);
	assert_null(k->unique_id);
	assert_false(k->multi_touch);
	assert_int_equal(k->width, 0);
	assert_string_equal(devcfg_backend_kind(&cfg.devs.devs[1]), "vkbd");
	assert_string_equal(devcfg_frontend_kind(DEVCFG_VKB), "vkbd");
	domcfg_release(&cfg);
	assert_int_equal(cfg.devs.n, 0);
}

static void vkb_rules(void **state)
{
	struct domcfg cfg;

	(void)state;
	refused("vkb = [ \"unique-id=a\" ]\n",
		"guest.cfg:3: vkb: device 0: backend-type missing", NULL);
	refused("vkb = [ \"backend-type=sdl\" ]\n",
		"guest.cfg:3: vkb: device 0: backend-type: 'sdl'", NULL);
	refused("vkb = [ \"backend-type=linux, multi-touch-width=10\" ]\n",
		"guest.cfg:3: vkb: device 0: multi-touch needs", NULL);
	refused("vkb = [ \"backend-type=linux, feature-multi-touch=1\" ]\n",
		"guest.cfg:3: vkb: device 0: feature-multi-touch=1 needs",
		NULL);
	refused("vkb = [ \"backend-type=linux, feature-multi-touch=0, "
		"multi-touch-width=1, multi-touch-height=1, "
		"multi-touch-num-contacts=1\" ]\n",
		"guest.cfg:3: vkb: device 0: feature-multi-touch=0 contradicts",
		NULL);
	refused("vkb = [ \"backend-type=linux, width=0\" ]\n",
		"guest.cfg:3: vkb: device 0: width: 0 is out of range (1 to "
		"32768)",
		NULL);
	refused("vkb = [ \"backend-type=linux, feature-abs-pointer=yes\" ]\n",
		"guest.cfg:3: vkb: device 0: feature-abs-pointer: 'yes': use 0 "
		"or 1",
		NULL);
	/* The three multi-touch sizes imply the feature, as in xl. */
	ok("vkb = [ \"backend-type=linux, multi-touch-width=1, "
	   "multi-touch-height=2, multi-touch-num-contacts=3\" ]\n",
	   &cfg);
	assert_true(cfg.devs.devs[0].u.vkb.multi_touch);
	domcfg_release(&cfg);
}

/* ---- vsnd --------------------------------------------------------------- */

#define CARD_FULL                                                              \
	"vsnd = [ [ \"CARD, backend=0, short-name=Main, long-name=Main card, " \
	"sample-rates=8000;44100;48000, sample-formats=s16_le;float_le;u8, "   \
	"channels-min=1, channels-max=8, buffer-size=65536\",\n"               \
	"  \"PCM, name=Out, sample-rates=44100;48000, channels-max=2\",\n"     \
	"  \"STREAM, unique-id=pb0, type=p, sample-formats=s16_le, "           \
	"channels-min=2, buffer-size=4096\",\n"                                \
	"  \"stream, unique-id=pb1, type=p\",\n"                               \
	"  \"pcm, name=In\",\n"                                                \
	"  \"Stream, unique-id=cap0, type=c, sample-rates=8000\" ],\n"         \
	"  [ \"STREAM, unique-id=x, type=c\" ] ]\n"

static void vsnd_tree(void **state)
{
	struct domcfg cfg;
	struct devcfg_vsnd *s;
	struct devcfg_snd_stream *st;

	(void)state;
	ok(CARD_FULL, &cfg);
	assert_int_equal(cfg.devs.n, 2);
	s = &cfg.devs.devs[0].u.vsnd;
	assert_string_equal(s->short_name, "Main");
	assert_string_equal(s->long_name, "Main card");
	assert_int_equal(s->params.n_rates, 3);
	assert_int_equal(s->params.rates[2], 48000);
	assert_int_equal(s->params.n_formats, 3);
	assert_int_equal(s->params.formats[1], XENSND_PCM_FORMAT_F32_LE);
	assert_int_equal(s->params.channels_min, 1);
	assert_int_equal(s->params.channels_max, 8);
	assert_int_equal(s->params.buffer_size, 65536);
	assert_int_equal(s->n_pcms, 2);
	assert_string_equal(s->pcms[0].name, "Out");
	assert_int_equal(s->pcms[0].params.channels_max, 2);
	assert_int_equal(s->pcms[0].n_streams, 2);
	st = &s->pcms[0].streams[0];
	assert_string_equal(st->unique_id, "pb0");
	assert_false(st->capture);
	assert_int_equal(st->params.formats[0], XENSND_PCM_FORMAT_S16_LE);
	assert_int_equal(st->params.buffer_size, 4096);
	assert_string_equal(s->pcms[1].name, "In");
	assert_true(s->pcms[1].streams[0].capture);
	/* The second card: a STREAM without PCM gets a nameless one. */
	s = &cfg.devs.devs[1].u.vsnd;
	assert_null(s->short_name);
	assert_int_equal(s->n_pcms, 1);
	assert_null(s->pcms[0].name);
	assert_int_equal(s->pcms[0].n_streams, 1);
	domcfg_release(&cfg);
}

static void vsnd_formats(void **state)
{
	struct domcfg cfg;
	char body[2048];
	int n = snprintf(body, sizeof(body),
			 "vsnd = [ [ \"CARD, "
			 "sample-formats=");

	(void)state;
	for (unsigned int f = 0; f < DEVCFG_NFORMATS; f++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "%s%s",
			      f ? ";" : "", devcfg_format_name(f));
	snprintf(body + n, sizeof(body) - (size_t)n,
		 "\", \"STREAM, unique-id=a, type=p\" ] ]\n");
	ok(body, &cfg);
	assert_int_equal(cfg.devs.devs[0].u.vsnd.params.n_formats, 25);
	for (unsigned int f = 0; f < DEVCFG_NFORMATS; f++)
		assert_int_equal(cfg.devs.devs[0].u.vsnd.params.formats[f], f);
	domcfg_release(&cfg);
	assert_string_equal(devcfg_format_name(XENSND_PCM_FORMAT_F64_BE),
			    "float64_be");
	assert_null(devcfg_format_name(25));
	/* libxl's spellings of the float formats, and any case. */
	ok("vsnd = [ [ \"CARD, sample-formats=f32_le;F64_BE;S8\", "
	   "\"STREAM, unique-id=a, type=p\" ] ]\n",
	   &cfg);
	assert_int_equal(cfg.devs.devs[0].u.vsnd.params.formats[0],
			 XENSND_PCM_FORMAT_F32_LE);
	assert_int_equal(cfg.devs.devs[0].u.vsnd.params.formats[1],
			 XENSND_PCM_FORMAT_F64_BE);
	assert_int_equal(cfg.devs.devs[0].u.vsnd.params.formats[2],
			 XENSND_PCM_FORMAT_S8);
	domcfg_release(&cfg);
	refused("vsnd = [ [ \"CARD, sample-formats=s16_le;mp3\", \"STREAM, "
		"unique-id=a, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: sample-formats: unknown format "
		"'mp3' (known: s8, u8",
		NULL);
	refused("vsnd = [ [ \"CARD, sample-formats=s8;S8\", \"STREAM, "
		"unique-id=a, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: sample-formats: S8 is listed twice",
		NULL);
}

static void vsnd_values(void **state)
{
	(void)state;
	refused("vsnd = [ [ \"CARD, sample-rates=44100;0\", \"STREAM, "
		"unique-id=a, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: sample-rates: 0 is out of range",
		NULL);
	refused("vsnd = [ [ \"CARD, sample-rates=44100;800000\", \"STREAM, "
		"unique-id=a, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: sample-rates: 800000 is out of "
		"range (1 to 768000)",
		NULL);
	refused("vsnd = [ [ \"CARD, sample-rates=;\", \"STREAM, "
		"unique-id=a, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: sample-rates: empty list", NULL);
	refused("vsnd = [ [ \"CARD, channels-min=4, channels-max=2\", "
		"\"STREAM, unique-id=a, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: channels-min 4 is above "
		"channels-max 2",
		NULL);
	refused("vsnd = [ [ \"CARD, channels-max=256\", \"STREAM, "
		"unique-id=a, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: channels-max: 256 is out of range",
		NULL);
	refused("vsnd = [ [ \"STREAM, unique-id=a, type=x\" ] ]\n",
		"guest.cfg:3: vsnd: card 0, pcm 0, stream 0: type: 'x'", NULL);
}

/* A lower level may narrow the parameters of the level above only. */
static void vsnd_narrowing(void **state)
{
	(void)state;
	refused("vsnd = [ [ \"CARD, sample-rates=44100\",\n"
		"\"PCM, sample-rates=48000\", \"STREAM, unique-id=a, "
		"type=p\" ] ]\n",
		"guest.cfg:4: vsnd: card 0, pcm 0: sample-rates: 48000 is not "
		"among the rates of the card",
		NULL);
	refused("vsnd = [ [ \"CARD, sample-formats=s16_le\", \"PCM\",\n"
		"\"STREAM, unique-id=a, type=p, sample-formats=u8\" ] ]\n",
		"guest.cfg:4: vsnd: card 0, pcm 0, stream 0: sample-formats: "
		"u8 is not among the formats of its pcm",
		NULL);
	refused("vsnd = [ [ \"PCM, channels-min=2, channels-max=4\", "
		"\"STREAM, unique-id=a, type=p, channels-max=8\" ] ]\n",
		"guest.cfg:3: vsnd: card 0, pcm 0, stream 0: channels-max: 8 "
		"is above its pcm's 4",
		NULL);
	refused("vsnd = [ [ \"PCM, channels-min=2\", \"STREAM, unique-id=a, "
		"type=p, channels-min=1\" ] ]\n",
		"guest.cfg:3: vsnd: card 0, pcm 0, stream 0: channels-min: 1 "
		"is below its pcm's 2",
		NULL);
	refused("vsnd = [ [ \"CARD, buffer-size=1024\", \"STREAM, "
		"unique-id=a, type=p, buffer-size=2048\" ] ]\n",
		"guest.cfg:3: vsnd: card 0, pcm 0, stream 0: buffer-size: 2048 "
		"is above its pcm's 1024",
		NULL);
	/* Inherited from the card through the PCM: still a range. */
	refused("vsnd = [ [ \"CARD, channels-max=2\", \"STREAM, "
		"unique-id=a, type=p, channels-min=3\" ] ]\n",
		"guest.cfg:3: vsnd: card 0, pcm 0, stream 0: channels-min 3 is "
		"above channels-max 2",
		NULL);
}

static void vsnd_structure(void **state)
{
	(void)state;
	refused("vsnd = [ [ \"PCM\", \"CARD, short-name=x\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: item 1: CARD must be the first",
		NULL);
	refused("vsnd = [ [ \"CARD\", \"PCM, name=a\",\n\"PCM, name=b\",\n"
		"\"STREAM, unique-id=a, type=p\" ] ]\n",
		"guest.cfg:4: vsnd: card 0: pcm 0 has no STREAM item", NULL);
	refused("vsnd = [ [ \"CARD\", \"PCM, name=a\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: pcm 0 has no STREAM item", NULL);
	refused("vsnd = [ [ \"CARD, short-name=lonely\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: a sound card needs a STREAM", NULL);
	refused("vsnd = [ [ \"STREAM, type=p\" ] ]\n",
		"guest.cfg:3: vsnd: card 0, pcm 0, stream 0: unique-id missing",
		NULL);
	refused("vsnd = [ [ \"STREAM, unique-id=a\" ] ]\n",
		"guest.cfg:3: vsnd: card 0, pcm 0, stream 0: type missing",
		NULL);
	refused("vsnd = [ [ \"STREAM, unique-id=a, type=p\", \"PCM\",\n"
		"\"STREAM, unique-id=a, type=c\" ] ]\n",
		"guest.cfg:4: vsnd: card 0, pcm 1, stream 0: unique-id: 'a' is "
		"used by pcm 0, stream 0 too",
		NULL);
	refused("vsnd = [ [ \"DEVICE, name=x\" ] ]\n",
		"guest.cfg:3: vsnd: card 0: item 0: 'DEVICE': an item starts "
		"with CARD, PCM or STREAM",
		NULL);
	refused("vsnd = [ \"CARD\" ]\n",
		"guest.cfg:3: vsnd: card 0: expected a list of", NULL);
	refused("vsnd = [ [ \"CARD\", [ \"PCM\" ] ] ]\n",
		"guest.cfg:3: vsnd: card 0: item 1: expected a", NULL);
	/* The message's example: the line of the item, the stream's place,
	 * the key and what is known. */
	refused("vsnd = [ [ \"CARD, short-name=Main\",\n"
		"           \"PCM, name=Main\",\n"
		"           \"STREAM, unique-id=0, type=p\",\n"
		"           \"STREAM, unique-id=1, type=c, rat=8000\" ] ]\n",
		"guest.cfg:6: vsnd: card 0, pcm 0, stream 1: unknown key 'rat' "
		"(known: unique-id, type, sample-rates, sample-formats, "
		"channels-min, channels-max, buffer-size)",
		NULL);
}

/* ---- vdispl, p9, pvcalls ------------------------------------------------ */

static void vdispl_keys(void **state)
{
	struct domcfg cfg;
	struct devcfg_vdispl *d;

	(void)state;
	ok("vdispl = [ \"backend=0, be-alloc=1, connectors=id0:1920x1080; "
	   "id1:800x600;\", \"connectors=x:1x1\" ]\n",
	   &cfg);
	assert_int_equal(cfg.devs.n, 2);
	d = &cfg.devs.devs[0].u.vdispl;
	assert_true(d->be_alloc);
	assert_int_equal(d->n_conns, 2);
	assert_string_equal(d->conns[0].unique_id, "id0");
	assert_int_equal(d->conns[0].width, 1920);
	assert_int_equal(d->conns[0].height, 1080);
	assert_string_equal(d->conns[1].unique_id, "id1");
	assert_int_equal(d->conns[1].height, 600);
	assert_false(cfg.devs.devs[1].u.vdispl.be_alloc);
	domcfg_release(&cfg);
	refused("vdispl = [ \"be-alloc=1\" ]\n",
		"guest.cfg:3: vdispl: device 0: connectors missing", NULL);
	refused("vdispl = [ \"connectors=a:1920x1080;a:800x600\" ]\n",
		"guest.cfg:3: vdispl: device 0: connectors: 'a' is used twice",
		NULL);
	refused("vdispl = [ \"connectors=a:1920-1080\" ]\n",
		"guest.cfg:3: vdispl: device 0: connectors: '1920-1080' is not "
		"WIDTHxHEIGHT",
		NULL);
	refused("vdispl = [ \"connectors=1920x1080\" ]\n",
		"guest.cfg:3: vdispl: device 0: connectors: '1920x1080' is not "
		"ID:WIDTHxHEIGHT",
		NULL);
	refused("vdispl = [ \"connectors=a b:10x10\" ]\n",
		"guest.cfg:3: vdispl: device 0: connectors: 'a b' may not "
		"contain ' '",
		NULL);
	refused("vdispl = [ \"connectors=a:40000x10\" ]\n",
		"guest.cfg:3: vdispl: device 0: connectors: 40000 is out of "
		"range",
		NULL);
	refused("vdispl = [ \"connectors=a:10x10, be-alloc=2\" ]\n",
		"guest.cfg:3: vdispl: device 0: be-alloc: '2': use 0 or 1",
		NULL);
}

static void p9_keys(void **state)
{
	struct domcfg cfg;

	(void)state;
	ok("p9 = [ \"tag=share, path=/srv/share, security_model=none, "
	   "backend=Domain-0\" ]\n",
	   &cfg);
	assert_int_equal(cfg.devs.devs[0].type, DEVCFG_P9);
	assert_string_equal(cfg.devs.devs[0].u.p9.tag, "share");
	assert_string_equal(cfg.devs.devs[0].u.p9.path, "/srv/share");
	assert_string_equal(cfg.devs.devs[0].u.p9.security_model, "none");
	assert_string_equal(devcfg_backend_kind(&cfg.devs.devs[0]), "9pfs");
	domcfg_release(&cfg);
	refused("p9 = [ \"tag=t, path=/x\" ]\n",
		"guest.cfg:3: p9: device 0: security_model missing", NULL);
	refused("p9 = [ \"path=/x, security_model=none\" ]\n",
		"guest.cfg:3: p9: device 0: tag missing", NULL);
	refused(
	    "p9 = [ \"tag=t, path=srv, security_model=none\" ]\n",
	    "guest.cfg:3: p9: device 0: path: 'srv' is not an absolute path",
	    NULL);
	refused("p9 = [ \"tag=t, path=/x, security_model=mapped\" ]\n",
		"guest.cfg:3: p9: device 0: security_model: 'mapped': only "
		"\"none\"",
		NULL);
}

static void pvcalls_and_backends(void **state)
{
	struct domcfg cfg;

	(void)state;
	ok("pvcalls = [ \"\", \"backend=0\", \" , \" ]\n", &cfg);
	assert_int_equal(cfg.devs.n, 3);
	assert_int_equal(cfg.devs.devs[2].type, DEVCFG_PVCALLS);
	domcfg_release(&cfg);
	refused("pvcalls = [ \"backend=1\" ]\n",
		"guest.cfg:3: pvcalls: device 0: backend: '1': pvhv runs every "
		"backend in dom0",
		NULL);
	refused("pvcalls = [ \"backend=driverdom\" ]\n",
		"guest.cfg:3: pvcalls: device 0: backend: 'driverdom'", NULL);
	refused("pvcalls = [ \"port=80\" ]\n",
		"guest.cfg:3: pvcalls: device 0: unknown key 'port' (known: "
		"backend)",
		NULL);
}

/* ---- the config around them --------------------------------------------- */

static void mixed_and_repeated(void **state)
{
	struct domcfg cfg;

	(void)state;
	/* Devices of all types, in config order; a key given twice keeps
	 * its last value, as every xl.cfg key does. */
	ok("vkb = [ \"backend-type=qemu\" ]\n"
	   "p9 = [ \"tag=a, path=/a, security_model=none\" ]\n"
	   "vkb = [ \"backend-type=linux\", \"backend-type=linux\" ]\n"
	   "pvcalls = [ \"\" ]\n" CARD_FULL
	   "vdispl = [ \"connectors=c:1x1\" ]\n",
	   &cfg);
	assert_int_equal(cfg.devs.n, 7);
	assert_int_equal(cfg.devs.devs[0].type, DEVCFG_P9);
	assert_int_equal(cfg.devs.devs[1].type, DEVCFG_VKB);
	assert_true(cfg.devs.devs[1].u.vkb.linux_backend);
	assert_int_equal(cfg.devs.devs[3].type, DEVCFG_PVCALLS);
	assert_int_equal(cfg.devs.devs[4].type, DEVCFG_VSND);
	assert_int_equal(cfg.devs.devs[6].type, DEVCFG_VDISPL);
	domcfg_release(&cfg);
	/* No list at all. */
	refused("p9 = \"tag=a\"\n", "guest.cfg:3: p9: expected a list", NULL);
	refused("vkb = [ [ \"backend-type=linux\" ] ]\n",
		"guest.cfg:3: vkb: device 0: expected a \"KEY=VALUE, ...\"",
		NULL);
	/* An empty list: no devices. */
	ok("vkb = [ ]\nvsnd = [ ]\n", &cfg);
	assert_int_equal(cfg.devs.n, 0);
	domcfg_release(&cfg);
}

static void names_and_kinds(void **state)
{
	static const char *const names[] = {"vkb", "vsnd", "vdispl", "p9",
					    "pvcalls"};
	static const char *const kinds[] = {"vkbd", "vsnd", "vdispl", "9pfs",
					    "pvcalls"};
	enum devcfg_type t;

	(void)state;
	for (unsigned int i = 0; i < DEVCFG_NTYPES; i++) {
		assert_string_equal(devcfg_type_name(i), names[i]);
		assert_string_equal(devcfg_frontend_kind(i), kinds[i]);
		assert_int_equal(devcfg_type_from_name(names[i], &t), 0);
		assert_int_equal(t, i);
		assert_int_equal(devcfg_type_from_name(kinds[i], &t), 0);
		assert_int_equal(t, i);
		assert_true(devcfg_is_key(names[i]));
	}
	assert_int_equal(devcfg_type_from_name("vif", &t), -EINVAL);
	assert_false(devcfg_is_key("vkbd"));
	assert_false(devcfg_is_key("vif"));
}

/* ---- hostile input ------------------------------------------------------ */

static void hostile_settings(void **state)
{
	(void)state;
	refused("vkb = [ \"backend-type=linux, width\" ]\n",
		"guest.cfg:3: vkb: device 0: 'width' is not KEY=VALUE", NULL);
	refused("vkb = [ \"backend-type=linux, =5\" ]\n",
		"guest.cfg:3: vkb: device 0: a setting without a key", NULL);
	refused("vkb = [ \"backend-type=linux, width=1, width=2\" ]\n",
		"guest.cfg:3: vkb: device 0: 'width' is given twice", NULL);
	refused("vkb = [ \"backend-type=linux, backend-type=qemu\" ]\n",
		"guest.cfg:3: vkb: device 0: 'backend-type' is given twice",
		NULL);
	refused(
	    "vkb = [ \"backend-type=linux, width=99999999999999999999\" "
	    "]\n",
	    "guest.cfg:3: vkb: device 0: width: 99999999999999999999 is out "
	    "of range",
	    NULL);
	refused("vkb = [ \"backend-type=linux, width=-1\" ]\n",
		"guest.cfg:3: vkb: device 0: width: '-1' is not a number",
		NULL);
	refused("vkb = [ \"backend-type=linux, width=0x\" ]\n",
		"guest.cfg:3: vkb: device 0: width: '0x' is not a number",
		NULL);
	refused("vkb = [ \"backend-type=linux, width=12abc\" ]\n",
		"guest.cfg:3: vkb: device 0: width: '12abc' is not a number",
		NULL);
	refused("vkb = [ \"backend-type=linux, unique-id=a\\x01b\" ]\n",
		"guest.cfg:3: vkb: device 0: unique-id: control or non-ASCII "
		"byte 0x01",
		NULL);
	refused("vkb = [ \"backend-type=linux, unique-id=\" ]\n",
		"guest.cfg:3: vkb: device 0: unique-id: must be 1 to 255 bytes",
		NULL);
}

static void hostile_sizes(void **state)
{
	char *body = malloc(1 << 20);
	int n;

	(void)state;
	assert_non_null(body);
	/* 17 devices of one type. */
	n = sprintf(body, "pvcalls = [ ");
	for (int i = 0; i < 17; i++)
		n += sprintf(body + n, "\"\", ");
	sprintf(body + n, "]\n");
	refused(body, "guest.cfg:3: pvcalls: more than 16 devices", NULL);
	/* A 300-byte unique id. */
	n = sprintf(body, "vkb = [ \"backend-type=linux, unique-id=");
	memset(body + n, 'k', 300);
	sprintf(body + n + 300, "\" ]\n");
	refused(body,
		"guest.cfg:3: vkb: device 0: unique-id: must be 1 to "
		"255 bytes",
		NULL);
	/* 33 rates, 17 connectors, 9 PCMs, 9 streams in one PCM. */
	n = sprintf(body, "vsnd = [ [ \"CARD, sample-rates=");
	for (int i = 0; i < 33; i++)
		n += sprintf(body + n, "%d;", 1000 + i);
	sprintf(body + n, "\", \"STREAM, unique-id=a, type=p\" ] ]\n");
	refused(body, "guest.cfg:3: vsnd: card 0: sample-rates: more than 32",
		NULL);
	n = sprintf(body, "vdispl = [ \"connectors=");
	for (int i = 0; i < 17; i++)
		n += sprintf(body + n, "c%d:1x1;", i);
	sprintf(body + n, "\" ]\n");
	refused(body,
		"guest.cfg:3: vdispl: device 0: connectors: more than "
		"16",
		NULL);
	n = sprintf(body, "vsnd = [ [ ");
	for (int i = 0; i < 9; i++)
		n += sprintf(body + n,
			     "\"PCM\", \"STREAM, unique-id=s%d, "
			     "type=p\", ",
			     i);
	sprintf(body + n, "] ]\n");
	refused(body, "guest.cfg:3: vsnd: card 0: more than 8 PCMs", NULL);
	n = sprintf(body, "vsnd = [ [ ");
	for (int i = 0; i < 9; i++)
		n +=
		    sprintf(body + n, "\"STREAM, unique-id=s%d, type=p\", ", i);
	sprintf(body + n, "] ]\n");
	refused(body, "guest.cfg:3: vsnd: card 0: pcm 0: more than 8 STREAMs",
		NULL);
	/* More items than any card can use. */
	n = sprintf(body, "vsnd = [ [ ");
	for (int i = 0; i < 100; i++)
		n += sprintf(body + n, "\"PCM\", ");
	sprintf(body + n, "] ]\n");
	refused(body, "guest.cfg:3: vsnd: card 0: more than", NULL);
	/* 10000 settings in one string: the first unknown one stops it. */
	n = sprintf(body, "pvcalls = [ \"");
	for (int i = 0; i < 10000; i++)
		n += sprintf(body + n, "k%d=v,", i);
	sprintf(body + n, "\" ]\n");
	refused(body, "guest.cfg:3: pvcalls: device 0: unknown key 'k0'", NULL);
	free(body);
}

/* ---- hot plug ----------------------------------------------------------- */

static void spec_strings(void **state)
{
	const char *card[] = {"CARD, short-name=Hot", "PCM, name=p",
			      "STREAM, unique-id=h0, type=p"};
	const char *kbd[] = {"backend-type=linux, width=10, height=20"};
	const char *bad1[] = {"backend-type=linux, depth=3"};
	const char *two[] = {"", ""};
	struct devcfg_dev dev;

	(void)state;
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_VSND, card, 3, &dev, err, sizeof(err)), 0);
	assert_string_equal(dev.u.vsnd.short_name, "Hot");
	assert_string_equal(dev.u.vsnd.pcms[0].streams[0].unique_id, "h0");
	devcfg_dev_release(&dev);
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_VKB, kbd, 1, &dev, err, sizeof(err)), 0);
	assert_int_equal(dev.u.vkb.height, 20);
	devcfg_dev_release(&dev);
	/* Messages name the type, no file. */
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_VKB, bad1, 1, &dev, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err,
			    "vkb: unknown key 'depth' (known: backend, "
			    "backend-type, unique-id, "
			    "feature-disable-keyboard, "
			    "feature-disable-pointer, feature-abs-pointer, "
			    "feature-raw-pointer, feature-multi-touch, "
			    "multi-touch-width, multi-touch-height, "
			    "multi-touch-num-contacts, width, height)");
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_PVCALLS, two, 2, &dev, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "pvcalls: one \"KEY=VALUE, ...\" string per "
				 "device, not 2");
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_VSND, card + 1, 1, &dev, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "vsnd: pcm 0 has no STREAM item");
	/* No string at all: every default (not for a sound card). */
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_PVCALLS, NULL, 0, &dev, err, sizeof(err)),
	    0);
	devcfg_dev_release(&dev);
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_VKB, NULL, 0, &dev, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "vkb: backend-type missing (linux: a backend "
				 "in a domain, such as pvkit's, under "
				 "backend/vinput; qemu: qemu's, under "
				 "backend/vkbd)");
	assert_int_equal(
	    devcfg_parse_spec(DEVCFG_VSND, NULL, 0, &dev, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "vsnd: a sound card needs a STREAM item");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(vkb_every_key),
    cmocka_unit_test(vkb_rules),
    cmocka_unit_test(vsnd_tree),
    cmocka_unit_test(vsnd_formats),
    cmocka_unit_test(vsnd_values),
    cmocka_unit_test(vsnd_narrowing),
    cmocka_unit_test(vsnd_structure),
    cmocka_unit_test(vdispl_keys),
    cmocka_unit_test(p9_keys),
    cmocka_unit_test(pvcalls_and_backends),
    cmocka_unit_test(mixed_and_repeated),
    cmocka_unit_test(names_and_kinds),
    cmocka_unit_test(hostile_settings),
    cmocka_unit_test(hostile_sizes),
    cmocka_unit_test(spec_strings),
};

PV_UNIT_MAIN("devcfg", tests)
