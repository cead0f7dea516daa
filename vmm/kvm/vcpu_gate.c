// SPDX-License-Identifier: MIT
/*
 * Pausing vCPU threads in place (struct vcpu_gate, vcpu.h): the main
 * thread asks, kicks, and waits until every thread has parked; a parked
 * thread sleeps on the gate's condition until resumed or stopped.
 */
#include <errno.h>
#include <time.h>

#include "vmm/kvm/vcpu.h"

#define GATE_REKICK_NS (20 * 1000 * 1000)

void vcpu_gate_init(struct vcpu_gate *g)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->pause = false;
	g->parked = 0;
}

void vcpu_gate_destroy(struct vcpu_gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

static bool is_stopping(const int *stopping)
{
	return stopping && __atomic_load_n(stopping, __ATOMIC_ACQUIRE);
}

void vcpu_park(struct vcpu *v)
{
	struct vcpu_gate *g = v->env->gate;

	if (!g || !__atomic_load_n(&g->pause, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&g->lock);
	g->parked++;
	pthread_cond_broadcast(&g->cond);
	while (g->pause && !is_stopping(v->env->stopping))
		pthread_cond_wait(&g->cond, &g->lock);
	g->parked--;
	/* Under the lock: a new pause sets it again after us, not before. */
	if (!g->pause)
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g->lock);
}

static void deadline(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += GATE_REKICK_NS;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

bool vcpu_gate_pause(struct vcpu_gate *g, struct vcpu *v, u32 n,
		     const int *stopping)
{
	struct timespec ts;
	u32 i, started;
	bool all;

	pthread_mutex_lock(&g->lock);
	g->pause = true;
	for (;;) {
		started = 0;
		/* Kicked again each round: a signal may land before KVM_RUN. */
		for (i = 0; i < n; i++) {
			vcpu_kick(&v[i]);
			started += v[i].started;
		}
		all = g->parked >= started;
		if (all || is_stopping(stopping))
			break;
		deadline(&ts);
		while (g->parked < started && !is_stopping(stopping) &&
		       pthread_cond_timedwait(&g->cond, &g->lock, &ts) !=
			       ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&g->lock);
	return all;
}

void vcpu_gate_resume(struct vcpu_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->pause = false;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

bool vcpu_gate_paused(struct vcpu_gate *g)
{
	return __atomic_load_n(&g->pause, __ATOMIC_ACQUIRE);
}
