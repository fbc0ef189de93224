#!/usr/bin/env node
import '../dist/registry/main.js';
