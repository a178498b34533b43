/* SPDX-License-Identifier: MIT */
/* gen-man TOOL VERSION OUTPUT: write TOOL's man page (roff, section 1) from
 * the entries that --help prints (help.c), so the two cannot drift apart. */
#include <stdio.h>
#include <string.h>

#include "help.h"

/* text with roff's special characters escaped; each line its own paragraph line */
static void roff(const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", stdout);
        bol = *s == '\n';
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else if (*s == '\n')
            fputs("\n.br\n", stdout);
        else
            putchar(*s);
    }
    putchar('\n');
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen-man TOOL VERSION OUTPUT\n");
        return 2;
    }
    if (!freopen(argv[3], "w", stdout)) {
        perror(argv[3]);
        return 1;
    }
    const char *tool = argv[1];
    const struct help_entry *top = help_find(tool, NULL);
    if (!top) {
        fprintf(stderr, "gen-man: no help for '%s'\n", tool);
        return 2;
    }
    printf(".TH \"%s\" 1 \"\" \"libmeter %s\" \"User Commands\"\n.SH NAME\n", tool, argv[2]);
    printf("%s \\- ", tool);
    roff(help_summary(tool));
    printf(".SH SYNOPSIS\n.nf\n");
    roff(top->synopsis);
    for (const struct help_entry *e = help_entries; e->tool; e++)
        if (!strcmp(e->tool, tool) && e->cmd)
            roff(e->synopsis);
    printf(".fi\n.SH DESCRIPTION\n");
    roff(top->text);
    int cmds = 0;
    for (const struct help_entry *e = help_entries; e->tool; e++) {
        if (strcmp(e->tool, tool) || !e->cmd)
            continue;
        if (!cmds++)
            printf(".SH COMMANDS\n");
        printf(".SS %s\n.nf\n", e->cmd);
        roff(e->synopsis);
        printf(".fi\n.PP\n");
        roff(e->text);
    }
    printf(".SH EXIT STATUS\nThe same table for meter, meter\\-mqtt and power\\-optimizer:\n.PP\n");
    roff(help_exit_status);
    printf(".SH SEE ALSO\nmeter(1), meter\\-mqtt(1), power\\-optimizer(1)\n");
    return 0;
}
