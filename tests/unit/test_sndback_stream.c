/*
 * Unit tests of the sound backend without libpvback (pvkit/sndback.h):
 * stream limits from store values, the request handler on a recording
 * host side and a fake buffer mapper (every operation and every error
 * answer), the event page, and the "wav" host side on real files.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host_wav.h" /* backends/snd: its overrun counter */
#include "pvkit/sndback.h"
#include "unit.h"

/* ---- limits ---------------------------------------------------------------- */

static void limits_levels(void **state)
{
	struct sndback_limits l;

	(void)state;
	sndback_limits_any(&l);
	assert_int_equal(sndback_limits_narrow(&l, "48000,44100,8000",
					       "s16_le,float_le", "1", "6",
					       "65536"),
			 0);
	assert_int_equal(l.n_rates, 3);
	assert_int_equal(l.rates[0], 8000);
	assert_int_equal(l.rate_max, 48000);
	assert_true(l.formats == ((1u << XENSND_PCM_FORMAT_S16_LE) |
				  (1u << XENSND_PCM_FORMAT_F32_LE)));
	/* a lower level narrows */
	assert_int_equal(sndback_limits_narrow(&l, "44100;48000;96000", "s16_le",
					       NULL, "2", "131072"),
			 0);
	assert_int_equal(l.n_rates, 2);
	assert_int_equal(l.channels_max, 2);
	assert_int_equal(l.buffer_max, 65536); /* never widened */
	assert_true(sndback_limits_rate_ok(&l, 44100));
	assert_false(sndback_limits_rate_ok(&l, 8000));
	assert_false(sndback_limits_rate_ok(&l, 96000));
}

static void limits_bad(void **state)
{
	struct sndback_limits l;

	(void)state;
	const char *bad_rates[] = {"", "abc", "44100,", "-1", "0", "1x",
				   "99999999999"};
	for (unsigned int i = 0; i < sizeof(bad_rates) / sizeof(*bad_rates);
	     i++) {
		sndback_limits_any(&l);
		assert_int_equal(sndback_limits_narrow(&l, bad_rates[i], NULL,
						       NULL, NULL, NULL),
				 -EINVAL);
	}
	sndback_limits_any(&l);
	assert_int_equal(
	    sndback_limits_narrow(&l, NULL, "s16_le,wat", NULL, NULL, NULL),
	    -EINVAL);
	sndback_limits_any(&l);
	assert_int_equal(sndback_limits_narrow(&l, NULL, NULL, "4", "2", NULL),
			 -EINVAL);
	sndback_limits_any(&l);
	assert_int_equal(sndback_limits_narrow(&l, NULL, NULL, "256", NULL, NULL),
			 -EINVAL);
	/* disjoint levels allow nothing */
	sndback_limits_any(&l);
	assert_int_equal(sndback_limits_narrow(&l, "8000", NULL, NULL, NULL,
					       NULL),
			 0);
	assert_int_equal(sndback_limits_narrow(&l, "48000", NULL, NULL, NULL,
					       NULL),
			 -EINVAL);
}

static void limits_and_host(void **state)
{
	struct sndback_limits l, host;

	(void)state;
	sndback_limits_any(&l);
	assert_int_equal(sndback_limits_narrow(&l, "8000,44100,1000000",
					       "s16_le,s24_le", NULL, NULL,
					       NULL),
			 0);
	sndback_host_wav.caps(NULL, &host);
	assert_int_equal(sndback_limits_and(&l, &host), 0);
	assert_int_equal(l.n_rates, 2); /* 1 MHz is over the WAV side's */
	assert_true(l.formats == 1u << XENSND_PCM_FORMAT_S16_LE);
	sndback_limits_any(&l);
	assert_int_equal(
	    sndback_limits_narrow(&l, NULL, "s24_le", NULL, NULL, NULL), 0);
	assert_int_equal(sndback_limits_and(&l, &host), -EINVAL);
	assert_string_equal(sndback_format_name(XENSND_PCM_FORMAT_F32_LE),
			    "float_le");
	assert_null(sndback_format_name(200));
	assert_int_equal(sndback_format_bytes(XENSND_PCM_FORMAT_S16_LE), 2);
	assert_int_equal(sndback_format_bytes(XENSND_PCM_FORMAT_MPEG), 0);
	assert_ptr_equal(sndback_host_find("wav:/tmp"), &sndback_host_wav);
	assert_ptr_equal(sndback_host_find("wav"), &sndback_host_wav);
	assert_null(sndback_host_find("wavx"));
	assert_null(sndback_host_find(NULL));
	assert_ptr_equal(sndback_hosts()[0], &sndback_host_wav);
}

/* ---- the handler on a recording host side ------------------------------------ */

#define BUF_PAGES 4u
static struct {
	uint8_t buf[BUF_PAGES * 4096];
	int map_rc;	/* what the next map answers */
	unsigned int mapped, map_npages;
	grant_ref_t map_dir;
	int opened, closed;
	uint8_t written[256];
	size_t n_written;
	uint8_t last_trigger;
	int triggers;
	uint64_t pos;
	int32_t vol[8];
	bool mute[8];
	int host_open_rc;
	struct sndback_stream *s;
} H;

static int h_map(void *ctx, grant_ref_t first_dir, unsigned int npages,
		 unsigned int max_pages, void **addr)
{
	(void)ctx;
	assert_int_equal(max_pages, SNDBACK_BUFFER_MAX);
	if (H.map_rc)
		return H.map_rc;
	assert_true(npages <= BUF_PAGES);
	H.map_dir = first_dir;
	H.map_npages = npages;
	H.mapped++;
	*addr = H.buf;
	return 0;
}

static void h_unmap(void *ctx, void *addr)
{
	(void)ctx;
	assert_ptr_equal(addr, H.buf);
	assert_true(H.mapped > 0);
	H.mapped--;
}

static int h_open(struct event_base *base, const char *arg, void **host)
{
	(void)base;
	(void)arg;
	*host = &H;
	return 0;
}

static void h_close(void *host)
{
	(void)host;
}

static void h_caps(void *host, struct sndback_limits *c)
{
	(void)host;
	sndback_limits_any(c);
}

static int h_stream_open(void *host, const struct sndback_stream_info *info,
			 const struct sndback_params *p, void **stream)
{
	(void)host;
	(void)info;
	(void)p;
	if (H.host_open_rc)
		return H.host_open_rc;
	H.opened++;
	*stream = &H;
	return 0;
}

static void h_stream_close(void *stream)
{
	(void)stream;
	H.closed++;
}

static int h_write(void *stream, const void *buf, size_t len)
{
	(void)stream;
	if (H.n_written + len <= sizeof(H.written))
		memcpy(H.written + H.n_written, buf, len);
	H.n_written += len;
	return 0;
}

static int h_read(void *stream, void *buf, size_t len)
{
	(void)stream;
	memset(buf, 0x5a, len);
	return 0;
}

static int h_trigger(void *stream, uint8_t type)
{
	(void)stream;
	H.last_trigger = type;
	H.triggers++;
	return 0;
}

static uint64_t h_position(void *stream)
{
	(void)stream;
	return H.pos;
}

static void h_volume(void *stream, const int32_t *vol, const bool *mute,
		     unsigned int ch)
{
	(void)stream;
	memcpy(H.vol, vol, ch * sizeof(*vol));
	memcpy(H.mute, mute, ch * sizeof(*mute));
}

static const struct sndback_host_ops rec_ops = {
    .name = "rec",
    .open = h_open,
    .close = h_close,
    .caps = h_caps,
    .stream_open = h_stream_open,
    .stream_close = h_stream_close,
    .write = h_write,
    .read = h_read,
    .trigger = h_trigger,
    .position = h_position,
    .volume = h_volume,
};

static void new_stream(bool capture)
{
	struct sndback_limits l;
	struct sndback_stream_env env = {.map = h_map, .unmap = h_unmap,
					 .host_ops = &rec_ops, .host = &H};
	struct sndback_stream_info info = {.domid = 3, .unique_id = "pb0",
					   .capture = capture};

	sndback_limits_any(&l);
	assert_int_equal(sndback_limits_narrow(&l, "44100,48000",
					       "s16_le,s32_le", "1", "2",
					       "16384"),
			 0);
	assert_int_equal(sndback_stream_new(&env, &info, &l, &H.s), 0);
}

static int h_setup(void **state)
{
	(void)state;
	memset(&H, 0, sizeof(H));
	new_stream(false);
	return 0;
}

static int h_teardown(void **state)
{
	(void)state;
	sndback_stream_free(H.s);
	assert_int_equal(H.mapped, 0);
	assert_int_equal(H.opened, H.closed);
	return 0;
}

static int32_t ask(const struct xensnd_req *rq, struct xensnd_resp *rp)
{
	struct xensnd_resp tmp;

	if (!rp)
		rp = &tmp;
	memset(rp, 0xee, sizeof(*rp));
	sndback_stream_handle(H.s, rq, rp);
	assert_int_equal(rp->id, rq->id);
	assert_int_equal(rp->operation, rq->operation);
	return rp->status;
}

static int32_t op_open(uint32_t rate, uint8_t fmt, uint8_t ch, uint32_t bsz,
		       uint32_t period)
{
	struct xensnd_req rq = {.id = 7, .operation = XENSND_OP_OPEN};

	rq.op.open.pcm_rate = rate;
	rq.op.open.pcm_format = fmt;
	rq.op.open.pcm_channels = ch;
	rq.op.open.buffer_sz = bsz;
	rq.op.open.gref_directory = 99;
	rq.op.open.period_sz = period;
	return ask(&rq, NULL);
}

static int32_t op_rw(uint8_t op, uint32_t off, uint32_t len)
{
	struct xensnd_req rq = {.id = 8, .operation = op};

	rq.op.rw.offset = off;
	rq.op.rw.length = len;
	return ask(&rq, NULL);
}

static int32_t op_simple(uint8_t op)
{
	struct xensnd_req rq = {.id = 9, .operation = op};

	return ask(&rq, NULL);
}

static int32_t op_trigger(uint8_t type)
{
	struct xensnd_req rq = {.id = 10, .operation = XENSND_OP_TRIGGER};

	rq.op.trigger.type = type;
	return ask(&rq, NULL);
}

static void open_ok(void)
{
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 16384,
				 4096),
			 0);
	assert_int_equal(sndback_stream_state(H.s), SNDBACK_STOPPED);
}

static void h_query(void **state)
{
	struct xensnd_req rq = {.id = 1, .operation = XENSND_OP_HW_PARAM_QUERY};
	struct xensnd_resp rp;
	struct xensnd_query_hw_param *a = &rp.resp.hw_param;

	(void)state;
	rq.op.hw_param.formats = ~UINT64_C(0);
	rq.op.hw_param.rates.min = 1;
	rq.op.hw_param.rates.max = 1000000;
	rq.op.hw_param.channels.min = 1;
	rq.op.hw_param.channels.max = 8;
	rq.op.hw_param.buffer.min = 1;
	rq.op.hw_param.buffer.max = UINT32_MAX;
	rq.op.hw_param.period.min = 1;
	rq.op.hw_param.period.max = UINT32_MAX;
	assert_int_equal(ask(&rq, &rp), 0);
	assert_true(a->formats == ((1u << XENSND_PCM_FORMAT_S16_LE) |
				   (1u << XENSND_PCM_FORMAT_S32_LE)));
	assert_int_equal(a->rates.min, 44100);
	assert_int_equal(a->rates.max, 48000);
	assert_int_equal(a->channels.min, 1);
	assert_int_equal(a->channels.max, 2);
	assert_int_equal(a->buffer.max, 16384 / 2); /* frames of s16 mono */
	assert_int_equal(a->period.max, 16384 / 2);
	/* narrowing further: one rate, two channels */
	rq.op.hw_param.rates.min = 45000;
	rq.op.hw_param.channels.min = 2;
	assert_int_equal(ask(&rq, &rp), 0);
	assert_int_equal(a->rates.min, 48000);
	assert_int_equal(a->rates.max, 48000);
	assert_int_equal(a->channels.min, 2);
	assert_int_equal(a->buffer.max, 16384 / 4);
	/* nothing left: -EINVAL */
	rq.op.hw_param.rates.min = 50000;
	assert_int_equal(ask(&rq, &rp), -EINVAL);
	rq.op.hw_param.rates.min = 1;
	rq.op.hw_param.formats = 1u << XENSND_PCM_FORMAT_F32_LE;
	assert_int_equal(ask(&rq, &rp), -EINVAL);
	rq.op.hw_param.formats = ~UINT64_C(0);
	rq.op.hw_param.channels.min = 3;
	assert_int_equal(ask(&rq, &rp), -EINVAL);
}

static void h_open_close(void **state)
{
	(void)state;
	assert_int_equal(op_simple(XENSND_OP_CLOSE), -EBADF);
	open_ok();
	assert_int_equal(H.map_dir, 99);
	assert_int_equal(H.map_npages, 4);
	assert_int_equal(H.mapped, 1);
	assert_int_equal(H.opened, 1);
	assert_int_equal(sndback_stream_params(H.s)->frame_bytes, 4);
	assert_int_equal(sndback_stream_period(H.s), 4096);
	/* open twice */
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 16384,
				 4096),
			 -EBUSY);
	assert_int_equal(op_simple(XENSND_OP_CLOSE), 0);
	assert_int_equal(H.mapped, 0);
	assert_int_equal(H.closed, 1);
	assert_int_equal(sndback_stream_state(H.s), SNDBACK_CLOSED);
	/* again, the buffer not whole pages */
	assert_int_equal(op_open(44100, XENSND_PCM_FORMAT_S32_LE, 1, 5000, 0),
			 0);
	assert_int_equal(H.map_npages, 2);
	assert_int_equal(sndback_stream_period(H.s), 0);
}

static void h_open_bad(void **state)
{
	(void)state;
	/* unsupported rate, format, channels */
	assert_int_equal(op_open(22050, XENSND_PCM_FORMAT_S16_LE, 2, 4096, 0),
			 -EINVAL);
	assert_int_equal(op_open(0, XENSND_PCM_FORMAT_S16_LE, 2, 4096, 0),
			 -EINVAL);
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_F32_LE, 2, 4096, 0),
			 -EINVAL);
	assert_int_equal(op_open(48000, 200, 2, 4096, 0), -EINVAL);
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 0, 4096, 0),
			 -EINVAL);
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 3, 4096, 0),
			 -EINVAL);
	/* buffer: empty, period over it, over buffer-size */
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 0, 0),
			 -EINVAL);
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 4096,
				 8192),
			 -EINVAL);
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 16385, 0),
			 -E2BIG);
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2,
				 UINT32_MAX, 0),
			 -E2BIG);
	assert_int_equal(H.mapped + H.opened, 0);
	/* a page directory the mapper refuses (bad grant, loop, short) */
	H.map_rc = -EINVAL;
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 4096, 0),
			 -EINVAL);
	H.map_rc = -EFAULT;
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 4096, 0),
			 -EINVAL);
	H.map_rc = 0;
	/* the host side refuses: nothing stays mapped */
	H.host_open_rc = -EIO;
	assert_int_equal(op_open(48000, XENSND_PCM_FORMAT_S16_LE, 2, 4096, 0),
			 -EIO);
	assert_int_equal(H.mapped, 0);
	H.host_open_rc = 0;
	assert_int_equal(sndback_stream_state(H.s), SNDBACK_CLOSED);
}

static void h_write_read(void **state)
{
	(void)state;
	assert_int_equal(op_rw(XENSND_OP_WRITE, 0, 4), -EBADF);
	open_ok();
	for (unsigned int i = 0; i < sizeof(H.buf); i++)
		H.buf[i] = (uint8_t)i;
	assert_int_equal(op_rw(XENSND_OP_WRITE, 100, 8), 0);
	assert_int_equal(H.n_written, 8);
	assert_int_equal(H.written[0], 100);
	assert_int_equal(op_rw(XENSND_OP_WRITE, 16384 - 4, 4), 0);
	assert_int_equal(op_rw(XENSND_OP_WRITE, 0, 0), 0);
	/* past the buffer, and wrapping offsets */
	assert_int_equal(op_rw(XENSND_OP_WRITE, 16384 - 4, 5), -EINVAL);
	assert_int_equal(op_rw(XENSND_OP_WRITE, 16384, 1), -EINVAL);
	assert_int_equal(op_rw(XENSND_OP_WRITE, UINT32_MAX, 2), -EINVAL);
	assert_int_equal(op_rw(XENSND_OP_WRITE, 4, UINT32_MAX), -EINVAL);
	assert_int_equal(H.n_written, 12);
	/* a playback stream does not capture */
	assert_int_equal(op_rw(XENSND_OP_READ, 0, 4), -EINVAL);
	assert_int_equal(op_simple(XENSND_OP_CLOSE), 0);
	sndback_stream_free(H.s);
	new_stream(true);
	assert_int_equal(op_rw(XENSND_OP_READ, 0, 4), -EBADF);
	open_ok();
	memset(H.buf, 0, sizeof(H.buf));
	assert_int_equal(op_rw(XENSND_OP_READ, 8, 4), 0);
	assert_int_equal(H.buf[7], 0);
	assert_int_equal(H.buf[8], 0x5a);
	assert_int_equal(H.buf[11], 0x5a);
	assert_int_equal(H.buf[12], 0);
	assert_int_equal(op_rw(XENSND_OP_READ, 16380, 8), -EINVAL);
	assert_int_equal(op_rw(XENSND_OP_WRITE, 0, 4), -EINVAL);
}

static void h_trigger_states(void **state)
{
	(void)state;
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_START), -EBADF);
	open_ok();
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_PAUSE), -EPERM);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_RESUME), -EPERM);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(sndback_stream_state(H.s), SNDBACK_RUNNING);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_START), -EPERM);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_RESUME), -EPERM);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_PAUSE), 0);
	assert_int_equal(sndback_stream_state(H.s), SNDBACK_PAUSED);
	assert_int_equal(H.last_trigger, XENSND_OP_TRIGGER_PAUSE);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_PAUSE), -EPERM);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_RESUME), 0);
	assert_int_equal(sndback_stream_state(H.s), SNDBACK_RUNNING);
	H.pos = 10;
	assert_int_equal(sndback_stream_position(H.s), 40);
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_STOP), 0);
	assert_int_equal(sndback_stream_state(H.s), SNDBACK_STOPPED);
	assert_int_equal(op_trigger(9), -EINVAL);
	assert_int_equal(H.triggers, 4);
	/* closing a running stream stops it on the host first */
	assert_int_equal(op_trigger(XENSND_OP_TRIGGER_START), 0);
	assert_int_equal(op_simple(XENSND_OP_CLOSE), 0);
	assert_int_equal(H.last_trigger, XENSND_OP_TRIGGER_STOP);
	assert_int_equal(sndback_stream_position(H.s), 0);
}

static void h_volume_mute(void **state)
{
	int32_t v[2] = {-6000, 1500}, got[2];
	uint8_t sel[2] = {0, 1};

	(void)state;
	assert_int_equal(op_rw(XENSND_OP_SET_VOLUME, 0, 8), -EBADF);
	assert_int_equal(op_rw(XENSND_OP_MUTE, 0, 2), -EBADF);
	open_ok();
	memcpy(H.buf + 64, v, sizeof(v));
	assert_int_equal(op_rw(XENSND_OP_SET_VOLUME, 64, 8), 0);
	assert_int_equal(H.vol[0], -6000);
	assert_int_equal(H.vol[1], 1500);
	memset(H.buf + 64, 0, 8);
	assert_int_equal(op_rw(XENSND_OP_GET_VOLUME, 128, 8), 0);
	memcpy(got, H.buf + 128, sizeof(got));
	assert_int_equal(got[0], -6000);
	assert_int_equal(got[1], 1500);
	/* wrong size for the channels, past the buffer */
	assert_int_equal(op_rw(XENSND_OP_SET_VOLUME, 64, 4), -EINVAL);
	assert_int_equal(op_rw(XENSND_OP_GET_VOLUME, 16380, 8), -EINVAL);
	memcpy(H.buf + 200, sel, sizeof(sel));
	assert_int_equal(op_rw(XENSND_OP_MUTE, 200, 2), 0);
	assert_false(H.mute[0]);
	assert_true(H.mute[1]);
	assert_int_equal(op_rw(XENSND_OP_MUTE, 200, 3), -EINVAL);
	assert_int_equal(op_rw(XENSND_OP_UNMUTE, 16383, 2), -EINVAL);
	assert_int_equal(op_rw(XENSND_OP_UNMUTE, 200, 2), 0);
	assert_false(H.mute[1]);
	/* an unknown operation */
	assert_int_equal(op_simple(42), -ENOTSUP);
}

/* ---- the event page ---------------------------------------------------------- */

static void evt_page(void **state)
{
	static uint8_t page[XENSND_EVENT_PAGE_SIZE];
	struct xensnd_event_page *pg = (void *)page;
	uint32_t prod = 0;

	(void)state;
	assert_int_equal(XENSND_IN_RING_LEN, 63);
	for (unsigned int i = 0; i < XENSND_IN_RING_LEN; i++)
		assert_int_equal(sndback_evt_put(page, &prod, (uint16_t)i,
						 i * 100u),
				 0);
	assert_int_equal(pg->in_prod, XENSND_IN_RING_LEN);
	assert_int_equal(XENSND_IN_RING_REF(page, 5).op.cur_pos.position, 500);
	assert_int_equal(XENSND_IN_RING_REF(page, 5).type, XENSND_EVT_CUR_POS);
	/* full: dropped, never waited for */
	assert_int_equal(sndback_evt_put(page, &prod, 0, 1), -ENOSPC);
	assert_int_equal(prod, XENSND_IN_RING_LEN);
	pg->in_cons = 10;
	assert_int_equal(sndback_evt_put(page, &prod, 0, 7), 0);
	assert_int_equal(XENSND_IN_RING_REF(page, XENSND_IN_RING_LEN)
			     .op.cur_pos.position,
			 7);
	/* a consumer past the producer */
	pg->in_cons = prod + 1;
	assert_int_equal(sndback_evt_put(page, &prod, 0, 7), -EPROTO);
	pg->in_cons = prod - 1000;
	assert_int_equal(sndback_evt_put(page, &prod, 0, 7), -EPROTO);
}

/* ---- the wav host side ------------------------------------------------------- */

static char tmpdir[64];

static int wav_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sndback-wav-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int wav_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void wav_playback(void **state)
{
	const struct sndback_host_ops *w = &sndback_host_wav;
	struct sndback_stream_info info = {.domid = 7, .unique_id = "pb0"};
	struct sndback_params p = {.rate = 8000, .format =
						     XENSND_PCM_FORMAT_S16_LE,
				   .channels = 2, .frame_bytes = 4,
				   .buffer_bytes = 16384,
				   .period_bytes = 1024};
	uint8_t frames[4000], hdr[44];
	char path[128];
	void *h, *s;
	uint64_t pos;
	int fd;

	(void)state;
	assert_int_equal(w->open(NULL, tmpdir, &h), 0);
	/* the unique-id is the guest's: made safe and its own */
	info.unique_id = "";
	assert_int_equal(w->stream_open(h, &info, &p, &s), -EINVAL);
	info.unique_id = "../x";
	assert_int_equal(w->stream_open(h, &info, &p, &s), 0);
	w->stream_close(s);
	snprintf(path, sizeof(path), "%s/7-_._x.wav", tmpdir);
	assert_int_equal(access(path, F_OK), 0);
	info.unique_id = "pb0";
	assert_int_equal(w->stream_open(h, &info, &p, &s), 0);
	for (unsigned int i = 0; i < sizeof(frames); i++)
		frames[i] = (uint8_t)i;
	assert_int_equal(w->write(s, frames, sizeof(frames)), 0); /* 1000 */
	assert_int_equal(w->position(s), 0); /* not started */
	assert_int_equal(w->trigger(s, XENSND_OP_TRIGGER_START), 0);
	sleep_ms(30);
	pos = w->position(s);
	assert_true(pos >= 200 && pos <= 1000); /* >= 25 ms of 8 kHz */
	sleep_ms(150);
	assert_int_equal(w->position(s), 1000); /* underrun: waits */
	assert_int_equal(w->trigger(s, XENSND_OP_TRIGGER_PAUSE), 0);
	assert_int_equal(w->write(s, frames, 400), 0);
	sleep_ms(20);
	assert_int_equal(w->position(s), 1000); /* paused */
	assert_int_equal(w->trigger(s, XENSND_OP_TRIGGER_RESUME), 0);
	assert_int_equal(w->read(s, frames, 4), -EINVAL);
	w->stream_close(s);
	snprintf(path, sizeof(path), "%s/pb0.wav", tmpdir);
	assert_int_equal(access(path, F_OK), -1); /* not the bare name */
	snprintf(path, sizeof(path), "%s/7-pb0.wav", tmpdir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, hdr, sizeof(hdr)), 44);
	assert_memory_equal(hdr, "RIFF", 4);
	assert_memory_equal(hdr + 8, "WAVEfmt ", 8);
	assert_int_equal(rd32(hdr + 24), 8000);
	assert_int_equal(hdr[22], 2);
	assert_int_equal(hdr[34], 16);
	assert_int_equal(rd32(hdr + 40), 4400);
	assert_int_equal(rd32(hdr + 4), 36 + 4400);
	assert_int_equal(read(fd, frames, 3), 3);
	assert_int_equal(frames[2], 2);
	close(fd);
	w->close(h);
}

static void wav_capture(void **state)
{
	const struct sndback_host_ops *w = &sndback_host_wav;
	struct sndback_stream_info info = {.domid = 3, .unique_id = "mic",
					   .capture = true};
	struct sndback_params p = {.rate = 8000, .format = XENSND_PCM_FORMAT_U8,
				   .channels = 1, .frame_bytes = 1,
				   .buffer_bytes = 4096};
	struct sndback_params p16 = p;
	uint8_t buf[16];
	void *h, *s;

	(void)state;
	assert_int_equal(w->open(NULL, tmpdir, &h), 0);
	/* no file: silence */
	assert_int_equal(w->stream_open(h, &info, &p, &s), 0);
	assert_int_equal(w->read(s, buf, sizeof(buf)), 0);
	assert_int_equal(buf[0], 0x80);
	assert_int_equal(w->write(s, buf, 1), -EINVAL);
	w->stream_close(s);
	/* a file made by the playback side, read back */
	info.capture = false;
	info.unique_id = "mic-in";
	assert_int_equal(w->stream_open(h, &info, &p, &s), 0);
	for (unsigned int i = 0; i < 10; i++)
		buf[i] = (uint8_t)(i + 1);
	assert_int_equal(w->write(s, buf, 10), 0);
	w->stream_close(s);
	info.capture = true;
	info.unique_id = "mic";
	assert_int_equal(w->stream_open(h, &info, &p, &s), 0);
	assert_int_equal(w->read(s, buf, 4), 0);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[3], 4);
	assert_int_equal(w->read(s, buf, 10), 0);
	assert_int_equal(buf[0], 5);
	assert_int_equal(buf[5], 10);
	assert_int_equal(buf[6], 0x80); /* past its end */
	assert_int_equal(w->trigger(s, XENSND_OP_TRIGGER_START), 0);
	sleep_ms(20);
	assert_true(w->position(s) >= 100); /* capture never waits */
	w->stream_close(s);
	/* a file of another format is refused */
	p16.format = XENSND_PCM_FORMAT_S16_LE;
	p16.frame_bytes = 2;
	assert_int_equal(w->stream_open(h, &info, &p16, &s), -EINVAL);
	p16 = p;
	p16.rate = 16000;
	assert_int_equal(w->stream_open(h, &info, &p16, &s), -EINVAL);
	w->close(h);
}

/* Size of the data chunk of path's WAV. */
static uint32_t wav_data(const char *path)
{
	uint8_t hdr[44];
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, hdr, sizeof(hdr)), 44);
	close(fd);
	return rd32(hdr + 40);
}

/* Playback at most a buffer ahead of the clock: a guest writing as fast
 * as it can fills the disk at the stream's rate, plus one buffer. */
static void wav_pacing(void **state)
{
	const struct sndback_host_ops *w = &sndback_host_wav;
	struct sndback_stream_info info = {.domid = 2, .unique_id = "fast"};
	struct sndback_params p = {.rate = 8000, .format =
						     XENSND_PCM_FORMAT_S16_LE,
				   .channels = 2, .frame_bytes = 4,
				   .buffer_bytes = 4000};
	static uint8_t chunk[3000];
	struct timespec t0, t1;
	uint64_t dropped = 0, data;
	long ms;
	char path[128];
	void *h, *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/2-fast.wav", tmpdir);
	assert_int_equal(w->open(NULL, tmpdir, &h), 0);
	assert_int_equal(w->stream_open(h, &info, &p, &s), 0);
	/* not started: one buffer is taken, whole frames, the rest dropped */
	assert_int_equal(w->write(s, chunk, sizeof(chunk)), 0);
	assert_int_equal(sndback_wav_overruns(s, NULL), 0);
	assert_int_equal(w->write(s, chunk, sizeof(chunk)), 0);
	assert_int_equal(sndback_wav_overruns(s, &dropped), 1);
	assert_int_equal(dropped, 2000);
	assert_int_equal(wav_data(path), 4000);
	assert_int_equal(w->write(s, chunk, 4), 0); /* full: all dropped */
	assert_int_equal(sndback_wav_overruns(s, &dropped), 2);
	assert_int_equal(dropped, 2004);
	assert_int_equal(wav_data(path), 4000);
	/* running, 100 ms of 8 kHz (3200 bytes) make room for that much:
	 * no more than the time that passed (32 bytes a ms) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(w->trigger(s, XENSND_OP_TRIGGER_START), 0);
	sleep_ms(100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(w->write(s, chunk, sizeof(chunk)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000 + 1;
	data = wav_data(path);
	assert_true(data >= 4000 + 3200);
	assert_true(data <= 4000 + 32 * (uint64_t)ms);
	assert_true(data % 4 == 0);
	assert_true(sndback_wav_overruns(s, &dropped) >= 99);
	assert_int_equal(dropped + data, 2 * 3000 + 4 + 100 * 3000);
	w->stream_close(s);
	w->close(h);
}

static const struct CMUnitTest tests[] = {
#define HCASE(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
#define WCASE(f) cmocka_unit_test_setup_teardown(f, wav_setup, wav_teardown)
    cmocka_unit_test(limits_levels),
    cmocka_unit_test(limits_bad),
    cmocka_unit_test(limits_and_host),
    HCASE(h_query),
    HCASE(h_open_close),
    HCASE(h_open_bad),
    HCASE(h_write_read),
    HCASE(h_trigger_states),
    HCASE(h_volume_mute),
    cmocka_unit_test(evt_page),
    WCASE(wav_playback),
    WCASE(wav_capture),
    WCASE(wav_pacing),
};

PV_UNIT_MAIN("sndback_stream", tests)
