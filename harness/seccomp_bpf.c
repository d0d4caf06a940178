/* A classic-BPF evaluator for the instruction subset the kernel accepts in
 * seccomp filters (kernel/seccomp.c seccomp_check_filter). It exists so a
 * prediction runs the same program the kernel will run, not a model of
 * libseccomp's rule merging. */
#include <string.h>

#include "seccomp_internal.h"

static bool is_jump_ok(size_t pc, size_t off, size_t n)
{
	return off < n && pc + 1 + off < n;
}

static const char *check_ld(const struct sock_filter *f)
{
	switch (f->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		if (f->k % 4 || f->k + 4 > sizeof(struct seccomp_data))
			return "load outside seccomp_data";
		return NULL;
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
		return NULL;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return f->k < BPF_MEMWORDS ? NULL : "scratch index out of range";
	}
	return "unsupported load/store";
}

static const char *check_alu(const struct sock_filter *f)
{
	switch (BPF_OP(f->code)) {
	case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_AND: case BPF_OR: case BPF_XOR:
		return NULL;
	case BPF_DIV:
		return BPF_SRC(f->code) == BPF_K && f->k == 0 ? "division by zero" : NULL;
	case BPF_LSH: case BPF_RSH:
		/* a shift by X could be >= 32, which C leaves undefined */
		return BPF_SRC(f->code) == BPF_K && f->k < 32 ? NULL : "unsupported shift";
	case BPF_NEG:
		return NULL;
	}
	return "unsupported ALU op";
}

static const char *check_jmp(const struct sock_filter *f, size_t pc, size_t n)
{
	switch (BPF_OP(f->code)) {
	case BPF_JA:
		return is_jump_ok(pc, f->k, n) ? NULL : "jump out of program";
	case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
		return is_jump_ok(pc, f->jt, n) && is_jump_ok(pc, f->jf, n) ? NULL
									 : "jump out of program";
	}
	return "unsupported jump";
}

static const char *check_one(const struct sock_filter *f, size_t pc, size_t n)
{
	switch (BPF_CLASS(f->code)) {
	case BPF_LD: case BPF_LDX: case BPF_ST: case BPF_STX:
		return check_ld(f);
	case BPF_ALU:
		return check_alu(f);
	case BPF_JMP:
		return check_jmp(f, pc, n);
	case BPF_RET:
		return BPF_RVAL(f->code) == BPF_K || BPF_RVAL(f->code) == BPF_A ? NULL
										: "bad return";
	case BPF_MISC:
		return BPF_MISCOP(f->code) == BPF_TAX || BPF_MISCOP(f->code) == BPF_TXA
			       ? NULL
			       : "unsupported misc op";
	}
	return "unknown instruction class";
}

const char *sc_bpf_check(const struct sock_filter *prog, size_t n)
{
	if (n == 0 || n > BPF_MAXINSNS)
		return "program length out of range";
	for (size_t pc = 0; pc < n; pc++) {
		const char *why = check_one(&prog[pc], pc, n);
		if (why)
			return why;
	}
	/* as bpf_check_classic: every path must end in a return */
	if (BPF_CLASS(prog[n - 1].code) != BPF_RET)
		return "program does not end in a return";
	return NULL;
}

struct vm {
	uint32_t a, x, mem[BPF_MEMWORDS];
	const struct seccomp_data *d;
};

static uint32_t load_word(const struct seccomp_data *d, uint32_t k)
{
	/* the kernel reads seccomp_data words in native byte order, so a
	 * 64-bit argument is two words whose order follows endianness */
	uint32_t w;
	memcpy(&w, (const char *)d + k, sizeof w);
	return w;
}

static void step_ld(struct vm *m, const struct sock_filter *f)
{
	switch (f->code) {
	case BPF_LD | BPF_W | BPF_ABS: m->a = load_word(m->d, f->k); break;
	case BPF_LD | BPF_W | BPF_LEN: m->a = sizeof(struct seccomp_data); break;
	case BPF_LDX | BPF_W | BPF_LEN: m->x = sizeof(struct seccomp_data); break;
	case BPF_LD | BPF_IMM: m->a = f->k; break;
	case BPF_LDX | BPF_IMM: m->x = f->k; break;
	case BPF_LD | BPF_MEM: m->a = m->mem[f->k]; break;
	case BPF_LDX | BPF_MEM: m->x = m->mem[f->k]; break;
	case BPF_ST: m->mem[f->k] = m->a; break;
	case BPF_STX: m->mem[f->k] = m->x; break;
	}
}

/* Returns false when the program must stop with 0 (division by X == 0). */
static bool step_alu(struct vm *m, const struct sock_filter *f)
{
	uint32_t v = BPF_SRC(f->code) == BPF_X ? m->x : f->k;
	switch (BPF_OP(f->code)) {
	case BPF_ADD: m->a += v; break;
	case BPF_SUB: m->a -= v; break;
	case BPF_MUL: m->a *= v; break;
	case BPF_DIV:
		if (v == 0)
			return false;
		m->a /= v;
		break;
	case BPF_AND: m->a &= v; break;
	case BPF_OR: m->a |= v; break;
	case BPF_XOR: m->a ^= v; break;
	case BPF_LSH: m->a <<= v; break;
	case BPF_RSH: m->a >>= v; break;
	case BPF_NEG: m->a = -m->a; break;
	}
	return true;
}

static size_t step_jmp(const struct vm *m, const struct sock_filter *f)
{
	uint32_t v = BPF_SRC(f->code) == BPF_X ? m->x : f->k;
	bool taken = false;
	switch (BPF_OP(f->code)) {
	case BPF_JA: return f->k;
	case BPF_JEQ: taken = m->a == v; break;
	case BPF_JGT: taken = m->a > v; break;
	case BPF_JGE: taken = m->a >= v; break;
	case BPF_JSET: taken = (m->a & v) != 0; break;
	}
	return taken ? f->jt : f->jf;
}

uint32_t sc_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d)
{
	struct vm m = {.d = d};
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		switch (BPF_CLASS(f->code)) {
		case BPF_LD: case BPF_LDX: case BPF_ST: case BPF_STX:
			step_ld(&m, f);
			break;
		case BPF_ALU:
			if (!step_alu(&m, f))
				return 0;
			break;
		case BPF_JMP:
			pc += step_jmp(&m, f);
			break;
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? m.a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				m.x = m.a;
			else
				m.a = m.x;
			break;
		}
	}
	/* unreachable for a program sc_bpf_check accepted; the kernel's
	 * answer to anything it cannot run is to kill */
	return SECCOMP_RET_KILL_PROCESS;
}
