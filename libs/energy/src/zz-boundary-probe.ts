import { Injectable } from '@nestjs/common';
export const probe = Injectable;
